import { Type, type Static } from '@sinclair/typebox';
import { FreeForm, resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a ClusterTemplate. */
export const ClusterTemplateConditions = {
  /** The values schema, defaults, provider and distribution were checked. */
  Valid: 'Valid',
} as const;

/** Reasons used in ClusterTemplate conditions. */
export const ClusterTemplateReasons = {
  /** Everything checked out. */
  TemplateValid: 'TemplateValid',
  /** `valuesSchema` is not a valid JSON Schema. */
  InvalidSchema: 'InvalidSchema',
  /** `defaults` do not validate against `valuesSchema`. */
  InvalidDefaults: 'InvalidDefaults',
  /** The infrastructure provider is not one Slipway knows. */
  UnknownProvider: 'UnknownProvider',
  /** The Kubernetes distribution is not one Slipway knows. */
  UnknownDistribution: 'UnknownDistribution',
} as const;

export const Distribution = Type.Object(
  {
    name: Type.Union([Type.Literal('k3s'), Type.Literal('k0s')]),
    version: Type.String({ minLength: 1, description: 'e.g. v1.31.4+k3s1' }),
  },
  { additionalProperties: false },
);

export const ClusterTemplateSpec = Type.Object(
  {
    description: Type.Optional(Type.String()),
    provider: Type.String({
      minLength: 1,
      description: 'Infrastructure provider: sim, proxmox, openstack or ssh.',
    }),
    distribution: Distribution,
    valuesSchema: Type.Optional(
      FreeForm('JSON Schema of the values (ClusterDeployment.spec.config) a user may set.'),
    ),
    defaults: Type.Optional(
      FreeForm('Default values, merged under ClusterDeployment.spec.config.'),
    ),
    maxClusterLifetime: Type.Optional(
      Type.String({
        pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s))+$',
        description:
          'Clusters on this template are deleted this long after creation, e.g. "168h" (Go duration: h, m, s).',
      }),
    ),
    upgradeTargets: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Names of templates a cluster on this template may switch to.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ClusterTemplateStatus = Type.Object(
  {
    ...statusBase,
    valid: Type.Optional(Type.Boolean()),
    validationError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ClusterTemplate = resource(
  'ClusterTemplate',
  { spec: ClusterTemplateSpec, status: Type.Optional(ClusterTemplateStatus) },
  'Immutable, versioned recipe for a cluster. Templates in slipway-system are global.',
);
export type ClusterTemplate = Static<typeof ClusterTemplate>;

export const clusterTemplateKind: KindDefinition = {
  kind: 'ClusterTemplate',
  plural: 'clustertemplates',
  singular: 'clustertemplate',
  shortNames: ['ct'],
  namespaced: true,
  schema: ClusterTemplate,
  nameFormat: 'subdomain',
  hasStatus: true,
  specImmutable: true,
  columns: [
    { name: 'PROVIDER', jsonPath: '.spec.provider' },
    { name: 'DISTRIBUTION', jsonPath: '.spec.distribution.name' },
    { name: 'VERSION', jsonPath: '.spec.distribution.version' },
    { name: 'VALID', jsonPath: '.status.valid', type: 'boolean' },
    { name: 'UPGRADES', jsonPath: '.spec.upgradeTargets', wide: true },
    ageColumn,
  ],
};
