import { Type, type Static } from '@sinclair/typebox';
import { resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a User. */
export const UserConditions = {
  /** The user may sign in and use the API. */
  Ready: 'Ready',
} as const;

/** Reasons used in User conditions. */
export const UserReasons = {
  UserActive: 'UserActive',
  UserDisabled: 'UserDisabled',
} as const;

export const UserSpec = Type.Object(
  {
    displayName: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    admin: Type.Optional(Type.Boolean({ description: 'Global administrator.' })),
    disabled: Type.Optional(Type.Boolean()),
    groups: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const UserStatus = Type.Object(
  { ...statusBase, lastLoginTime: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);

export const User = resource(
  'User',
  { spec: UserSpec, status: Type.Optional(UserStatus) },
  'A person who signs in. Password hashes are kept apart, never served.',
);
export type User = Static<typeof User>;

export const userKind: KindDefinition = {
  kind: 'User',
  plural: 'users',
  singular: 'user',
  shortNames: [],
  namespaced: false,
  schema: User,
  nameFormat: 'subdomain',
  hasStatus: true,
  columns: [
    { name: 'DISPLAY NAME', jsonPath: '.spec.displayName' },
    { name: 'ADMIN', jsonPath: '.spec.admin', type: 'boolean' },
    { name: 'DISABLED', jsonPath: '.spec.disabled', type: 'boolean' },
    ageColumn,
  ],
};
