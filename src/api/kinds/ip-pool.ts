import { Type, type Static } from '@sinclair/typebox';
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
  PoolExhausted: 'PoolExhausted',
  AddressesAvailable: 'AddressesAvailable',
} as const;

export const IPPoolSpec = Type.Object(
  {
    addresses: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Ranges ("10.0.0.10-10.0.0.50"), CIDRs ("10.0.1.0/28") or single addresses.',
    }),
    prefix: Type.Integer({ minimum: 0, maximum: 128 }),
    gateway: Type.Optional(Type.String()),
    dnsServers: Type.Optional(Type.Array(Type.String())),
    excludes: Type.Optional(
      Type.Array(Type.String(), { description: 'Addresses never handed out.' }),
    ),
  },
  { additionalProperties: false },
);

export const IPPoolStatus = Type.Object(
  {
    ...statusBase,
    total: Type.Optional(Type.Integer()),
    allocated: Type.Optional(Type.Integer()),
    free: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const IPPool = resource(
  'IPPool',
  { spec: IPPoolSpec, status: Type.Optional(IPPoolStatus) },
  'A range of addresses handed out to machines.',
);
export type IPPool = Static<typeof IPPool>;

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
    { name: 'FREE', jsonPath: '.status.free', type: 'integer' },
    ageColumn,
  ],
};
