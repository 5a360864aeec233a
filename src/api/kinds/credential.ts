import { Type, type Static } from '@sinclair/typebox';
import { FreeForm, ObjectRef, resource, statusBase } from '../meta.ts';
import { ageColumn, readyColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a Credential. */
export const CredentialConditions = {
  /** The provider accepted the secret material. */
  Ready: 'Ready',
} as const;

/** Reasons used in Credential conditions. */
export const CredentialReasons = {
  CredentialValid: 'CredentialValid',
  SecretNotFound: 'SecretNotFound',
  UnknownProvider: 'UnknownProvider',
  AuthenticationFailed: 'AuthenticationFailed',
  Unreachable: 'Unreachable',
} as const;

export const CredentialSpec = Type.Object(
  {
    description: Type.Optional(Type.String()),
    provider: Type.String({
      minLength: 1,
      description: 'Infrastructure provider these credentials are for.',
    }),
    secretRef: Type.Optional(ObjectRef),
    config: Type.Optional(
      FreeForm('Non-secret provider settings: endpoint, CA or fingerprint, region, user.'),
    ),
  },
  { additionalProperties: false },
);

export const CredentialStatus = Type.Object(
  { ...statusBase, ready: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const Credential = resource(
  'Credential',
  { spec: CredentialSpec, status: Type.Optional(CredentialStatus) },
  'Reference to infrastructure secrets. Credentials in slipway-system are global.',
);
export type Credential = Static<typeof Credential>;

export const credentialKind: KindDefinition = {
  kind: 'Credential',
  plural: 'credentials',
  singular: 'credential',
  shortNames: ['cred'],
  namespaced: true,
  schema: Credential,
  nameFormat: 'subdomain',
  hasStatus: true,
  columns: [
    { name: 'PROVIDER', jsonPath: '.spec.provider' },
    readyColumn,
    { name: 'SECRET', jsonPath: '.spec.secretRef.name', wide: true },
    ageColumn,
  ],
};
