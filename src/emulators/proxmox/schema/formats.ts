// Format names → checks, and PVE::JSONSchema::check_format: `name-list` checks every item of a
// comma/semicolon/space separated list, `name-opt` allows the empty value, a property-string
// format parses the value.

import type { CheckContext } from './check.ts';
import { COMMON_FORMATS, type FormatCheck } from './formats-common.ts';
import { GUEST_FORMATS, GUEST_PROPERTY_FORMATS } from './formats-guest.ts';
import { parsePropertyString } from './property-string.ts';
import { perlTrue, splitList } from './perl-value.ts';
import type { PveFormatKeys } from './types.ts';

/**
 * Formats accepted WITHOUT any check. Every one appears in an endpoint the emulator serves, but
 * Slipway never sends it and its rules live in Perl code the schema does not publish. A value
 * in one of these formats still gets its type, pattern, length and enum checks. Any format name
 * neither implemented nor listed here is reported as a problem, never silently accepted.
 */
export const UNCHECKED_FORMATS: ReadonlySet<string> = new Set([
  'pve-cpuset', // VM `affinity`: PVE::CpuSet parser
  'pve-priv-list', // /access/ticket `privs`: the privilege registry of pve-access-control
  'pve-qemu-sev-fmt', // VM `amd-sev`
  'pve-qemu-tdx-fmt', // VM `intel-tdx`
  'pve-qm-hostpci', // VM `hostpci[n]`: PCI ids and mappings
  'pve-qm-rng', // VM `rng0`
  'pve-qm-smbios1', // VM `smbios1`: base64 fields
  'pve-qm-watchdog', // VM `watchdog`
  'pve-vm-cpu-conf', // VM `cpu`: CPU models and flags from CPUConfig.pm
]);

/** A registered format: a check of a plain value, or the keys of a property string. */
export type RegisteredFormat = FormatCheck | PveFormatKeys;

/** All implemented formats; `extra` adds formats learned from the schema (e.g. `pve-qm-ide`). */
export function formatRegistry(
  extra: Readonly<Record<string, PveFormatKeys>> = {},
): Map<string, RegisteredFormat> {
  return new Map<string, RegisteredFormat>([
    ...Object.entries(COMMON_FORMATS),
    ...Object.entries(GUEST_FORMATS),
    ...Object.entries(GUEST_PROPERTY_FORMATS),
    ...Object.entries(extra),
  ]);
}

/** Where a format name is neither implemented nor in UNCHECKED_FORMATS. */
export function notImplemented(name: string): string {
  return (
    `format '${name}' is not implemented by the emulator's schema validator ` +
    `(src/emulators/proxmox/schema/formats.ts)\n`
  );
}

/**
 * PVE::JSONSchema::check_format: the message Proxmox dies with (ending in a newline), or
 * undefined when the value is fine.
 */
export function checkFormat(
  context: CheckContext,
  registry: ReadonlyMap<string, RegisteredFormat>,
  format: string | PveFormatKeys,
  value: string,
  path: string,
): string | undefined {
  if (typeof format !== 'string') {
    const parsed = parsePropertyString(context, format, value, path);
    return parsed.ok ? undefined : parsed.message;
  }
  if (format === 'regex') return undefined;
  const [, name = format, suffix] = /^(.*?)(?:-(list|opt))?$/.exec(format) ?? [];
  if (UNCHECKED_FORMATS.has(format) || UNCHECKED_FORMATS.has(name)) return undefined;
  const registered = registry.get(name);
  if (registered === undefined) return notImplemented(format);
  if (typeof registered !== 'function') {
    if (suffix !== undefined) return `'-${suffix}' format must have code ref, not hash\n`;
    const parsed = parsePropertyString(context, registered, value, path);
    return parsed.ok ? undefined : parsed.message;
  }
  const values =
    suffix === 'list' ? splitList(value) : suffix === 'opt' && !perlTrue(value) ? [] : [value];
  for (const item of values) {
    const problem = registered(item);
    if (problem !== undefined) return `${problem}\n`;
  }
  return undefined;
}
