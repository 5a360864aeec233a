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
  /** A user's scrypt password hash (src/identity). Never served by the API, not even to admins. */
  PasswordHash: 'slipway.dev/password-hash',
  /** A login session: the SHA-256 of its id, its user and CSRF token. Never served by the API. */
  Session: 'slipway.dev/session',
  /** The SHA-256 of an APIToken's secret. Never served by the API. */
  APITokenHash: 'slipway.dev/apitoken-hash',
} as const;

/** Secret types the API never serves or accepts from a client: identity material kept in the store. */
export const InternalSecretTypes: ReadonlySet<string> = new Set([
  SecretTypes.PasswordHash,
  SecretTypes.Session,
  SecretTypes.APITokenHash,
]);

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
