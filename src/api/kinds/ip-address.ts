import { Type, type Static } from '@sinclair/typebox';
import { resource } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/**
 * Why a claim for an address did not (yet) get one. Machines and ClusterDeployments use
 * these as condition reasons, so the same words name the same problem everywhere.
 */
export const IPAddressClaimReasons = {
  /** The IPPool named by the cluster does not exist. */
  IPPoolNotFound: 'IPPoolNotFound',
  /** The IPPool's spec is invalid (its Valid condition says why). */
  IPPoolInvalid: 'IPPoolInvalid',
  /** The IPPool is being deleted and hands out nothing more. */
  IPPoolDeleting: 'IPPoolDeleting',
  /** No address is left in the pool (or in the cluster's block). */
  PoolExhausted: 'PoolExhausted',
  /** A specific address was asked for and another claim holds it. */
  AddressInUse: 'AddressInUse',
  /** A specific address was asked for that the pool does not hand out. */
  AddressNotInPool: 'AddressNotInPool',
  /** Waiting: an earlier IPAddress of the same name is still being released. */
  WaitingForIPAddress: 'WaitingForIPAddress',
} as const;

export const IPAddressSpec = Type.Object(
  {
    poolRef: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    address: Type.String({ minLength: 1 }),
    prefix: Type.Integer({ minimum: 0, maximum: 128 }),
    gateway: Type.Optional(Type.String()),
    dnsServers: Type.Optional(Type.Array(Type.String())),
    searchDomains: Type.Optional(Type.Array(Type.String())),
    claimRef: Type.Optional(
      Type.Object(
        { kind: Type.String(), name: Type.String() },
        { additionalProperties: false, description: 'What the address was allocated for.' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type IPAddressSpec = Static<typeof IPAddressSpec>;

export const IPAddress = resource(
  'IPAddress',
  { spec: IPAddressSpec },
  'One allocated address, owned by the Machine (or cluster) it was claimed for.',
);
export type IPAddress = Static<typeof IPAddress>;

export const ipAddressKind: KindDefinition = {
  kind: 'IPAddress',
  plural: 'ipaddresses',
  singular: 'ipaddress',
  shortNames: ['ipa'],
  namespaced: true,
  schema: IPAddress,
  nameFormat: 'subdomain',
  hasStatus: false,
  columns: [
    { name: 'ADDRESS', jsonPath: '.spec.address' },
    { name: 'POOL', jsonPath: '.spec.poolRef.name' },
    { name: 'CLAIM', jsonPath: '.spec.claimRef.name' },
    ageColumn,
  ],
};
