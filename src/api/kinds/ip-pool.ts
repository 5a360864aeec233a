import { Type, type Static } from '@sinclair/typebox';
import type { FieldCause } from '../errors.ts';
import {
  countAddresses,
  formatAddress,
  formatRange,
  mergeRanges,
  parseAddress,
  parseRange,
  rangeWithin,
  subnetOf,
  subtractRanges,
  type AddressRange,
  type IPFamily,
} from '../ip-ranges.ts';
import { resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Condition types of an IPPool. */
export const IPPoolConditions = {
  /** The ranges parse and fit the prefix and gateway. */
  Valid: 'Valid',
  /** Free addresses remain. */
  Available: 'Available',
} as const;

/** Reasons used in IPPool conditions. */
export const IPPoolReasons = {
  PoolValid: 'PoolValid',
  InvalidRange: 'InvalidRange',
  /** No address is left to hand out. */
  PoolExhausted: 'PoolExhausted',
  AddressesAvailable: 'AddressesAvailable',
  /** Being deleted: waits until no IPAddress holds one of its addresses. */
  PoolInUse: 'PoolInUse',
} as const;

const dnsName =
  '^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\\.?$';

export const IPPoolSpec = Type.Object(
  {
    addresses: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Ranges ("10.0.0.10-10.0.0.50"), CIDRs ("10.0.1.0/28") or single addresses.',
    }),
    prefix: Type.Integer({
      minimum: 0,
      maximum: 128,
      description: 'Prefix length of the subnet the addresses are in (24 for 255.255.255.0).',
    }),
    gateway: Type.Optional(Type.String({ description: 'Default route; never handed out.' })),
    dnsServers: Type.Optional(Type.Array(Type.String())),
    searchDomains: Type.Optional(
      Type.Array(Type.String({ pattern: dnsName }), { description: 'DNS search domains.' }),
    ),
    excludes: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Addresses, ranges or CIDRs never handed out.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IPPoolSpec = Static<typeof IPPoolSpec>;

/** One address handed out: which IPAddress holds it and for whom. */
export const IPPoolAllocation = Type.Object(
  {
    namespace: Type.String(),
    name: Type.String({ description: 'The IPAddress that holds the address.' }),
    claimRef: Type.Object(
      { kind: Type.String(), name: Type.String(), uid: Type.String() },
      {
        additionalProperties: false,
        description:
          'The Machine or ClusterDeployment the address is for; the address is released once it is gone.',
      },
    ),
    since: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type IPPoolAllocation = Static<typeof IPPoolAllocation>;

/** A contiguous block kept for one cluster: its addresses go to its claims only. */
export const IPPoolBlock = Type.Object(
  {
    clusterUID: Type.String(),
    first: Type.String({ description: 'First address of the block.' }),
    size: Type.Integer({ minimum: 1 }),
    since: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type IPPoolBlock = Static<typeof IPPoolBlock>;

export const IPPoolStatus = Type.Object(
  {
    ...statusBase,
    total: Type.Optional(Type.Integer({ description: 'Addresses the pool can hand out.' })),
    allocated: Type.Optional(Type.Integer()),
    free: Type.Optional(Type.Integer({ description: 'total - allocated.' })),
    allocations: Type.Optional(
      Type.Record(Type.String(), IPPoolAllocation, {
        description:
          'The allocation record, address → claim. Written only with compare-and-swap on the pool resourceVersion; see docs/ipam.md.',
      }),
    ),
    blocks: Type.Optional(
      Type.Record(Type.String(), IPPoolBlock, {
        description: '"namespace/cluster" → the contiguous block kept for that cluster.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IPPoolStatus = Static<typeof IPPoolStatus>;

export const IPPool = resource(
  'IPPool',
  { spec: IPPoolSpec, status: Type.Optional(IPPoolStatus) },
  'A range of addresses handed out to machines.',
);
export type IPPool = Static<typeof IPPool>;

/** A pool's spec, read: the subnet, and every address it may hand out. */
export interface IPPoolLayout {
  family: IPFamily;
  prefix: number;
  subnet: AddressRange;
  /** Sorted, merged; without excludes, the gateway, and the network and broadcast addresses. */
  usable: AddressRange[];
  total: bigint;
}

export type IPPoolRead = { ok: true; layout: IPPoolLayout } | { ok: false; causes: FieldCause[] };

function cause(field: string, message: string): FieldCause {
  return { field, message, reason: 'FieldValueInvalid' };
}

const fieldOrder = ['addresses', 'prefix', 'gateway', 'excludes', 'dnsServers'];

/** Causes in the order of the spec's fields, then of list entries. */
function inFieldOrder(causes: FieldCause[]): FieldCause[] {
  const key = (c: FieldCause): [number, number] => {
    const match = /^spec\.(\w+)(?:\[(\d+)\])?/.exec(c.field);
    return [fieldOrder.indexOf(match?.[1] ?? ''), Number(match?.[2] ?? -1)];
  };
  return [...causes].sort((a, b) => {
    const [fa, ia] = key(a);
    const [fb, ib] = key(b);
    return fa - fb || ia - ib;
  });
}

/**
 * Check a pool's spec and work out which addresses it hands out. Every problem comes back
 * with its field path (`spec.addresses[1]`), so admission and the pool's Valid condition
 * say the same thing.
 */
export function readIPPoolSpec(spec: IPPoolSpec): IPPoolRead {
  const causes: FieldCause[] = [];
  const ranges: { field: string; range: AddressRange }[] = [];
  spec.addresses.forEach((text, i) => {
    const parsed = parseRange(text);
    if (parsed.ok) ranges.push({ field: `spec.addresses[${i}]`, range: parsed.range });
    else causes.push(cause(`spec.addresses[${i}]`, `"${text}": ${parsed.message}`));
  });
  const gateway = spec.gateway !== undefined ? parseAddress(spec.gateway) : undefined;
  if (spec.gateway !== undefined && !gateway) {
    causes.push(cause('spec.gateway', `"${spec.gateway}" is not an IP address`));
  }
  const family: IPFamily | undefined = gateway?.family ?? ranges[0]?.range.family;
  if (family === undefined) return { ok: false, causes: inFieldOrder(causes) };
  const maxPrefix = family === 4 ? 32 : 128;
  if (spec.prefix > maxPrefix) {
    causes.push(cause('spec.prefix', `must be 0–${maxPrefix} for IPv${family} addresses`));
    return { ok: false, causes: inFieldOrder(causes) };
  }
  const anchor = gateway?.value ?? ranges[0]?.range.first ?? 0n;
  const subnet = subnetOf(family, anchor, spec.prefix);
  const subnetText = `${formatAddress(family, subnet.first)}/${spec.prefix}`;
  for (const { field, range } of ranges) {
    if (range.family !== family) {
      causes.push(cause(field, `IPv${range.family}, but the pool is IPv${family}`));
    } else if (!rangeWithin(range, subnet)) {
      causes.push(cause(field, `${formatRange(range)} is outside the subnet ${subnetText}`));
    }
  }
  // The subnet's network address (and, for IPv4, its broadcast address) is never a host's,
  // except on point-to-point links (/31, /127 and single-address subnets).
  const reserved: AddressRange[] = [];
  const hostBits = maxPrefix - spec.prefix;
  if (hostBits >= 2) reserved.push({ family, first: subnet.first, last: subnet.first });
  if (family === 4 && hostBits >= 2) {
    reserved.push({ family, first: subnet.last, last: subnet.last });
  }
  if (gateway && gateway.family === family && hostBits >= 2) {
    if (gateway.value === subnet.first || (family === 4 && gateway.value === subnet.last)) {
      causes.push(cause('spec.gateway', 'is the network or broadcast address of the subnet'));
    }
  }
  if (gateway) reserved.push({ family, first: gateway.value, last: gateway.value });
  (spec.excludes ?? []).forEach((text, i) => {
    const parsed = parseRange(text);
    if (!parsed.ok) causes.push(cause(`spec.excludes[${i}]`, `"${text}": ${parsed.message}`));
    else if (parsed.range.family !== family) {
      causes.push(
        cause(`spec.excludes[${i}]`, `IPv${parsed.range.family}, but the pool is IPv${family}`),
      );
    } else reserved.push(parsed.range);
  });
  (spec.dnsServers ?? []).forEach((text, i) => {
    if (!parseAddress(text))
      causes.push(cause(`spec.dnsServers[${i}]`, `"${text}" is not an IP address`));
  });
  if (causes.length > 0) return { ok: false, causes: inFieldOrder(causes) };
  const ownRanges = mergeRanges(ranges.map((r) => r.range));
  const usable = subtractRanges(ownRanges, mergeRanges(reserved));
  return {
    ok: true,
    layout: { family, prefix: spec.prefix, subnet, usable, total: countAddresses(usable) },
  };
}

export const ipPoolKind: KindDefinition = {
  kind: 'IPPool',
  plural: 'ippools',
  singular: 'ippool',
  shortNames: ['ipp'],
  namespaced: false,
  schema: IPPool,
  nameFormat: 'subdomain',
  hasStatus: true,
  columns: [
    { name: 'PREFIX', jsonPath: '.spec.prefix', type: 'integer' },
    { name: 'GATEWAY', jsonPath: '.spec.gateway' },
    { name: 'TOTAL', jsonPath: '.status.total', type: 'integer' },
    { name: 'ALLOCATED', jsonPath: '.status.allocated', type: 'integer' },
    { name: 'FREE', jsonPath: '.status.free', type: 'integer' },
    ageColumn,
  ],
};
