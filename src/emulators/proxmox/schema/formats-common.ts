// Named formats registered by pve-common (src/PVE/JSONSchema.pm), with Proxmox's messages.
// Each check returns the message Proxmox dies with (without the final newline), or undefined.

import { isIPv4, isIPv6 } from 'node:net';
import { splitList } from './perl-value.ts';

/** A named format's check: the problem, or undefined when the value is fine. */
export type FormatCheck = (value: string) => string | undefined;

// node:net follows the RFC 4291 text forms, as PVE's RFC 3986 regexes do; Node also accepts a
// zone index (`fe80::1%eth0`), which Proxmox does not.
const isIp4 = (value: string): boolean => isIPv4(value);
const isIp6 = (value: string): boolean => isIPv6(value) && !value.includes('%');

function cidr(value: string, isIp: (address: string) => boolean, maxBits: number): boolean {
  const match = /^([^/]+)\/(\d+)$/.exec(value);
  if (match === null) return false;
  const bits = Number(match[2]);
  return isIp(match[1] ?? '') && bits > 7 && bits <= maxBits;
}

const cidrV4 = (value: string): boolean => cidr(value, isIp4, 32);
const cidrV6 = (value: string): boolean => cidr(value, isIp6, 128);

const DNS_LABEL = '[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?';
const isDnsName = (value: string): boolean =>
  new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`).test(value);

const NETMASK_BITS = new Set(
  Array.from({ length: 33 }, (_unused, bits) => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 255).join('.');
  }),
);

/** PVE::JSONSchema::parse_size: a number with an optional K/M/G/T suffix. */
export function isDiskSize(value: string): boolean {
  return /^(\d+(\.\d+)?)([KMGT])?$/.test(value);
}

function vlanId(value: string): string | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (match === null) return `invalid VLAN configuration '${value}'`;
  const start = match[1] ?? '';
  const end = match[2] !== undefined && Number(match[2]) !== 0 ? match[2] : undefined;
  for (const tag of end === undefined ? [start] : [start, end]) {
    if (Number(tag) < 2 || Number(tag) > 4094) return `invalid VLAN tag '${tag}'`;
  }
  if (end !== undefined && Number(start) >= Number(end)) {
    return `VLAN range must go from lower to higher tag '${value}'`;
  }
  return undefined;
}

/** PVE::JSONSchema::pve_parse_startup_order: `[order=]N`, `up=N`, `down=N`, comma-separated. */
function isStartupOrder(value: string): boolean {
  if (value === '' || value === '0') return false; // Perl: return undef if !$value
  return value
    .split(',')
    .every((part) => /^\s*$/.test(part) || /^((order=)?\d+|up=\d+|down=\d+)$/.test(part));
}

/**
 * PVE::JSONSchema::parse_idmap for one entry of a `storage-pair-list`/`bridge-pair-list`:
 * `1` (identity), `source:target`, or a default target.
 */
function idPair(value: string, check: FormatCheck): string | undefined {
  let identity = false;
  let hasDefault = false;
  let hasEntries = false;
  const sources = new Set<string>();
  for (const entry of splitList(value)) {
    const pair = /^([^:]+):([^:]+)$/.exec(entry);
    if (entry === '1') {
      identity = true;
    } else if (pair !== null) {
      const [source, target] = [pair[1] ?? '', pair[2] ?? ''];
      const problem = check(source) ?? check(target);
      if (problem !== undefined) return `entry '${entry}' contains invalid ID - ${problem}\n\n`;
      if (sources.has(source)) return `duplicate mapping for source '${source}'\n`;
      sources.add(source);
      hasEntries = true;
    } else {
      const problem = check(entry);
      if (problem !== undefined) return `entry '${entry}' contains invalid ID - ${problem}\n\n`;
      if (hasDefault) return 'default target ID can only be provided once\n';
      hasDefault = true;
    }
  }
  if (identity && (hasDefault || hasEntries)) {
    return 'identity mapping cannot be combined with other mappings\n';
  }
  return undefined;
}

const storageId: FormatCheck = (id) =>
  /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(id)
    ? undefined
    : `storage ID '${id}' contains illegal characters`;
const bridgeId: FormatCheck = (id) =>
  /^[-_.\w\d]+$/.test(id) ? undefined : `invalid bridge ID '${id}'`;
const ip: FormatCheck = (value) =>
  isIp4(value) || isIp6(value) ? undefined : 'value does not look like a valid IP address';
const dnsName: FormatCheck = (value) =>
  isDnsName(value) ? undefined : 'value does not look like a valid DNS name';

/** The pve-common formats, by the name PVE registers them under. */
export const COMMON_FORMATS: Readonly<Record<string, FormatCheck>> = {
  string: () => undefined, // registered empty so that 'string-list' works
  urlencoded: (text) =>
    /^[-%a-zA-Z0-9_.!~*'()]*$/.test(text) ? undefined : `invalid urlencoded string: ${text}`,
  'pve-configid': (id) =>
    /^[a-z][a-z0-9_-]+$/i.test(id) ? undefined : `invalid configuration ID '${id}'`,
  'pve-storage-id': storageId,
  'pve-bridge-id': bridgeId,
  'storage-pair': (value) => idPair(value, storageId),
  'bridge-pair': (value) => idPair(value, bridgeId),
  'pve-vmid': (vmid) =>
    /^[1-9][0-9]{2,8}$/.test(vmid) ? undefined : 'value does not look like a valid VM ID',
  'pve-node': (node) =>
    /^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(node)
      ? undefined
      : 'value does not look like a valid node name',
  'mac-addr': (mac) =>
    // The I/G bit must be clear: Proxmox refuses multicast addresses.
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(mac)
      ? undefined
      : 'value does not look like a valid unicast MAC address',
  ipv4: (value) => (isIp4(value) ? undefined : 'value does not look like a valid IPv4 address'),
  ipv6: (value) => (isIp6(value) ? undefined : 'value does not look like a valid IPv6 address'),
  ip,
  ipv4mask: (mask) =>
    NETMASK_BITS.has(mask) ? undefined : 'value does not look like a valid IP netmask',
  CIDRv4: (value) =>
    cidrV4(value) ? undefined : 'value does not look like a valid IPv4 CIDR network',
  CIDRv6: (value) =>
    cidrV6(value) ? undefined : 'value does not look like a valid IPv6 CIDR network',
  CIDR: (value) =>
    cidrV4(value) || cidrV6(value) ? undefined : 'value does not look like a valid CIDR network',
  'pve-ipv4-config': (value) =>
    /^(?:dhcp|manual)$/.test(value) || cidrV4(value)
      ? undefined
      : 'value does not look like a valid ipv4 network configuration',
  'pve-ipv6-config': (value) =>
    /^(?:auto|dhcp|manual)$/.test(value) || cidrV6(value)
      ? undefined
      : 'value does not look like a valid ipv6 network configuration',
  'dns-name': dnsName,
  address: (value) =>
    ip(value) === undefined || dnsName(value) === undefined
      ? undefined
      : `value does not look like a valid address: ${value}`,
  'pve-iface': (id) =>
    /^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(id)
      ? undefined
      : `invalid network interface name '${id}'`,
  'pve-vlan-id-or-range': vlanId,
  'disk-size': (size) =>
    isDiskSize(size) ? undefined : `value does not look like a valid disk size: ${size}`,
  'pve-startup-order': (value) =>
    isStartupOrder(value) ? undefined : 'unable to parse startup options',
  'pve-tag': (tag) =>
    /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(tag) ? undefined : 'invalid characters in tag',
};
