import { Type, type Static } from '@sinclair/typebox';
import { resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Condition types of an APIToken. */
export const APITokenConditions = {
  /** The token authenticates its user: not revoked, not expired, the user enabled. */
  Ready: 'Ready',
} as const;

/** Reasons used in APIToken conditions. */
export const APITokenReasons = {
  TokenActive: 'TokenActive',
  Revoked: 'Revoked',
  Expired: 'Expired',
  UserNotFound: 'UserNotFound',
  UserDisabled: 'UserDisabled',
} as const;

export const APITokenSpec = Type.Object(
  {
    user: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    revoked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const APITokenStatus = Type.Object(
  {
    ...statusBase,
    prefix: Type.Optional(
      Type.String({ description: 'Public part of the token, to recognise it.' }),
    ),
    lastUsedTime: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const APIToken = resource(
  'APIToken',
  { spec: APITokenSpec, status: Type.Optional(APITokenStatus) },
  'A bearer token for a user. The secret is shown once and stored hashed.',
);
export type APIToken = Static<typeof APIToken>;

export const apiTokenKind: KindDefinition = {
  kind: 'APIToken',
  plural: 'apitokens',
  singular: 'apitoken',
  shortNames: ['token', 'tokens'],
  namespaced: false,
  schema: APIToken,
  nameFormat: 'subdomain',
  hasStatus: true,
  columns: [
    { name: 'USER', jsonPath: '.spec.user' },
    { name: 'PREFIX', jsonPath: '.status.prefix' },
    { name: 'EXPIRES', jsonPath: '.spec.expiresAt', type: 'date' },
    { name: 'LAST USED', jsonPath: '.status.lastUsedTime', type: 'date', wide: true },
    ageColumn,
  ],
};
