// Property strings (`virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,tag=20`), as
// PVE::JSONSchema::parse_property_string reads them: split on commas, a bare value goes to the
// `default_key`, aliases and key aliases are resolved, then every key is checked like a parameter.

import { checkObject, type CheckContext, type ErrorMap } from './check.ts';
import { parsePerlBoolean, perlSplit, perlTrue } from './perl-value.ts';
import type { PveFormatKeys } from './types.ts';

/** A parsed property string, or the message Proxmox dies with (ends with a newline). */
export type PropertyStringResult =
  { ok: true; value: Record<string, string> } | { ok: false; message: string };

/** Extra checks some named formats run on the parsed keys (PVE's `$format_validators`). */
export type PropertyStringValidator = (parsed: Record<string, string>) => string | undefined;

/**
 * Parses and checks one property string.
 *
 * @param path the parameter name, used as the prefix of nested problems (`net0.bridge`).
 * @example parsePropertyString(ctx, netFormat, 'virtio,bridge=vmbr0', 'net0')
 *   // { ok: true, value: { model: 'virtio', bridge: 'vmbr0' } }
 */
export function parsePropertyString(
  context: CheckContext,
  format: PveFormatKeys,
  data: string,
  path: string,
  validator?: PropertyStringValidator,
): PropertyStringResult {
  const parsed = new Map<string, string>();
  let defaultKey: string | undefined;
  for (const part of perlSplit(data, /,/)) {
    if (/^\s*$/.test(part)) continue;
    const pair = /^([^=]+)=(.+)$/.exec(part);
    if (pair !== null) {
      let key = pair[1] ?? '';
      let value = pair[2] ?? '';
      if (parsed.has(key)) return fail(`duplicate key in comma-separated list property: ${key}`);
      let schema = Object.hasOwn(format, key) ? format[key] : undefined;
      if (schema?.alias !== undefined) {
        const keyAlias = schema.keyAlias;
        if (keyAlias !== undefined) {
          if (parsed.has(keyAlias)) return fail(`key alias '${keyAlias}' is already defined`);
          parsed.set(keyAlias, key);
        }
        key = schema.alias;
        schema = Object.hasOwn(format, key) ? format[key] : undefined;
      }
      if (schema === undefined) return fail(`invalid key in comma-separated list property: ${key}`);
      if (schema.type === 'boolean') value = String(parsePerlBoolean(value) ?? value);
      parsed.set(key, value);
    } else if (!part.includes('=')) {
      if (defaultKey !== undefined) {
        return fail(`duplicate key in comma-separated list property: ${defaultKey}`);
      }
      defaultKey = Object.keys(format).find((key) => perlTrue(format[key]?.default_key));
      if (defaultKey === undefined) {
        return fail('value without key, but schema does not define a default key');
      }
      if (perlTrue(parsed.get(defaultKey))) {
        return fail(`duplicate key in comma-separated list property: ${defaultKey}`);
      }
      parsed.set(defaultKey, part);
    } else {
      return fail('missing key in comma-separated list property');
    }
  }

  const value = Object.fromEntries(parsed);
  const errors: ErrorMap = new Map();
  // In property strings unknown keys are never allowed (additional properties = 0).
  checkObject(context, path, format, value, 0, errors);
  if (errors.size > 0) return { ok: false, message: formatError(errors) };
  const problem = validator?.(value);
  return problem === undefined ? { ok: true, value } : fail(problem);
}

/** How PVE::Exception prints `raise "format error\n", errors => {...}`. */
function formatError(errors: ErrorMap): string {
  let message = 'format error\n';
  for (const [path, problem] of errors) message += `${path}: ${problem}\n`;
  return message;
}

function fail(message: string): PropertyStringResult {
  return { ok: false, message: message.endsWith('\n') ? message : `${message}\n` };
}
