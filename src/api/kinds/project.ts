import { Type, type Static } from '@sinclair/typebox';
import { resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a Project. */
export const ProjectConditions = {
  /** The project's namespace exists and its grants are in place. */
  Ready: 'Ready',
  /** True when usage exceeds the quota (e.g. after the quota was lowered). */
  QuotaExceeded: 'QuotaExceeded',
} as const;

/** Reasons used in Project conditions. */
export const ProjectReasons = {
  ProjectReady: 'ProjectReady',
  QuotaExceeded: 'QuotaExceeded',
  /** Usage is within the quota (QuotaExceeded False). */
  WithinQuota: 'WithinQuota',
} as const;

export const ProjectRoles = ['owner', 'member', 'viewer'] as const;

const quotaFields = {
  clusters: Type.Optional(Type.Integer({ minimum: 0 })),
  machines: Type.Optional(Type.Integer({ minimum: 0 })),
  vcpu: Type.Optional(Type.Integer({ minimum: 0 })),
  memoryMiB: Type.Optional(Type.Integer({ minimum: 0 })),
  diskGiB: Type.Optional(Type.Integer({ minimum: 0 })),
};

/** Amounts of what clusters use; each absent field means "no limit". */
export const Quota = Type.Object(quotaFields, { additionalProperties: false });
export type Quota = Static<typeof Quota>;
/** The quota fields, in the order messages list them. */
export const QuotaResources = ['clusters', 'machines', 'vcpu', 'memoryMiB', 'diskGiB'] as const;
export type QuotaResource = (typeof QuotaResources)[number];

export const ProjectSpec = Type.Object(
  {
    displayName: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    members: Type.Optional(
      Type.Array(
        Type.Object(
          {
            user: Type.Optional(Type.String()),
            group: Type.Optional(Type.String({ description: 'OIDC group claim.' })),
            role: Type.Union(ProjectRoles.map((r) => Type.Literal(r))),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    quota: Type.Optional(
      Type.Object(quotaFields, {
        additionalProperties: false,
        description:
          'What the project may use. Owners may change it within quotaLimit; a field absent here falls back to quotaLimit.',
      }),
    ),
    quotaLimit: Type.Optional(
      Type.Object(quotaFields, {
        additionalProperties: false,
        description: 'Ceiling an administrator sets; owners cannot raise quota above it.',
      }),
    ),
    templates: Type.Optional(
      Type.Array(Type.String(), { description: 'Granted ClusterTemplates.' }),
    ),
    serviceTemplates: Type.Optional(
      Type.Array(Type.String(), { description: 'Granted ServiceTemplates.' }),
    ),
    credentials: Type.Optional(Type.Array(Type.String(), { description: 'Granted Credentials.' })),
    maxClusterLifetime: Type.Optional(
      Type.String({
        pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s))+$',
        description:
          'Clusters are deleted this long after creation, e.g. "720h" (Go duration: h, m, s).',
      }),
    ),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Every cluster of the project is deleted at this time (e.g. end of term).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ProjectStatus = Type.Object(
  { ...statusBase, namespace: Type.Optional(Type.String()), usage: Type.Optional(Quota) },
  { additionalProperties: false },
);

export const Project = resource(
  'Project',
  { spec: ProjectSpec, status: Type.Optional(ProjectStatus) },
  'A tenant: a namespace of the same name, its members, quotas and grants.',
);
export type Project = Static<typeof Project>;

export const projectKind: KindDefinition = {
  kind: 'Project',
  plural: 'projects',
  singular: 'project',
  shortNames: ['proj'],
  namespaced: false,
  schema: Project,
  nameFormat: 'label',
  hasStatus: true,
  columns: [
    { name: 'DISPLAY NAME', jsonPath: '.spec.displayName' },
    { name: 'MEMBERS', jsonPath: '.spec.members[*].user', wide: true },
    ageColumn,
  ],
};
