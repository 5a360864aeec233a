import { Type, type Static } from '@sinclair/typebox';
import { resource } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Well-known secret types. */
export const SecretTypes = {
  Opaque: 'Opaque',
  Kubeconfig: 'slipway.dev/kubeconfig',
  ClusterPKI: 'slipway.dev/cluster-pki',
  JoinToken: 'slipway.dev/join-token',
  BootstrapData: 'slipway.dev/bootstrap-data',
  Credential: 'slipway.dev/credential',
} as const;

const base64 = '^[A-Za-z0-9+/]*={0,2}$';

export const Secret = resource(
  'Secret',
  {
    type: Type.Optional(Type.String({ default: 'Opaque' })),
    data: Type.Optional(
      Type.Record(Type.String(), Type.String({ pattern: base64 }), {
        description: 'Base64-encoded values.',
      }),
    ),
    stringData: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Write-only plain values, merged into data on write.',
      }),
    ),
    immutable: Type.Optional(Type.Boolean()),
  },
  'Opaque data, encrypted at rest.',
);
export type Secret = Static<typeof Secret>;

export const secretKind: KindDefinition = {
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  namespaced: true,
  schema: Secret,
  nameFormat: 'subdomain',
  hasStatus: false,
  encryptedAtRest: true,
  columns: [{ name: 'TYPE', jsonPath: '.type' }, ageColumn],
};
