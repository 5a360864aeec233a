import { Type, type Static } from '@sinclair/typebox';
import { resource } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

export const IPAddressSpec = Type.Object(
  {
    poolRef: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    address: Type.String({ minLength: 1 }),
    prefix: Type.Integer({ minimum: 0, maximum: 128 }),
    gateway: Type.Optional(Type.String()),
    dnsServers: Type.Optional(Type.Array(Type.String())),
    claimRef: Type.Optional(
      Type.Object(
        { kind: Type.String(), name: Type.String() },
        { additionalProperties: false, description: 'What the address was allocated for.' },
      ),
    ),
  },
  { additionalProperties: false },
);

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
