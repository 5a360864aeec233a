import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';
import { ServiceSpec } from './cluster-deployment.ts';

/** Condition types of a MultiClusterService. */
export const MultiClusterServiceConditions = {
  /** Every matching cluster has every service installed. */
  ServicesReady: 'ServicesReady',
} as const;

/** Reasons used in MultiClusterService conditions. */
export const MultiClusterServiceReasons = {
  AllInstalled: 'AllInstalled',
  Installing: 'Installing',
  InstallFailed: 'InstallFailed',
  NoMatchingClusters: 'NoMatchingClusters',
} as const;

export const MultiClusterServiceSpec = Type.Object(
  {
    clusterSelector: LabelSelector,
    services: Type.Array(ServiceSpec, { minItems: 1 }),
    priority: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2147483646, description: 'Higher wins on conflict.' }),
    ),
  },
  { additionalProperties: false },
);

export const MultiClusterServiceStatus = Type.Object(
  {
    ...statusBase,
    matchingClusters: Type.Optional(Type.Array(Type.String({ description: 'namespace/name' }))),
  },
  { additionalProperties: false },
);

export const MultiClusterService = resource(
  'MultiClusterService',
  { spec: MultiClusterServiceSpec, status: Type.Optional(MultiClusterServiceStatus) },
  'Services for every cluster whose labels match the selector.',
);
export type MultiClusterService = Static<typeof MultiClusterService>;

export const multiClusterServiceKind: KindDefinition = {
  kind: 'MultiClusterService',
  plural: 'multiclusterservices',
  singular: 'multiclusterservice',
  shortNames: ['mcs'],
  namespaced: false,
  schema: MultiClusterService,
  nameFormat: 'subdomain',
  hasStatus: true,
  columns: [
    { name: 'SERVICES', jsonPath: '.spec.services[*].name' },
    { name: 'CLUSTERS', jsonPath: '.status.matchingClusters', wide: true },
    ageColumn,
  ],
};
