import { Type, type Static } from '@sinclair/typebox';
import { FreeForm, resource, statusBase } from '../meta.ts';
import { ageColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a ServiceTemplate. */
export const ServiceTemplateConditions = {
  /** The chart or manifests and the values schema were checked. */
  Valid: 'Valid',
} as const;

/** Reasons used in ServiceTemplate conditions. */
export const ServiceTemplateReasons = {
  TemplateValid: 'TemplateValid',
  InvalidSchema: 'InvalidSchema',
  ChartNotFound: 'ChartNotFound',
  InvalidManifests: 'InvalidManifests',
} as const;

export const ServiceTemplateSpec = Type.Object(
  {
    description: Type.Optional(Type.String()),
    helm: Type.Optional(
      Type.Object(
        {
          repository: Type.String({
            minLength: 1,
            description: 'Chart repository URL (https:// or oci://).',
          }),
          chart: Type.String({ minLength: 1 }),
          version: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    manifests: Type.Optional(Type.String({ description: 'Plain multi-document YAML.' })),
    valuesSchema: Type.Optional(FreeForm('JSON Schema of the values a user may set.')),
    defaults: Type.Optional(FreeForm('Default values.')),
  },
  { additionalProperties: false },
);

export const ServiceTemplateStatus = Type.Object(
  {
    ...statusBase,
    valid: Type.Optional(Type.Boolean()),
    validationError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ServiceTemplate = resource(
  'ServiceTemplate',
  { spec: ServiceTemplateSpec, status: Type.Optional(ServiceTemplateStatus) },
  'An add-on: a Helm chart or plain manifests. Templates in slipway-system are global.',
);
export type ServiceTemplate = Static<typeof ServiceTemplate>;

export const serviceTemplateKind: KindDefinition = {
  kind: 'ServiceTemplate',
  plural: 'servicetemplates',
  singular: 'servicetemplate',
  shortNames: ['st'],
  namespaced: true,
  schema: ServiceTemplate,
  nameFormat: 'subdomain',
  hasStatus: true,
  columns: [
    { name: 'CHART', jsonPath: '.spec.helm.chart' },
    { name: 'VERSION', jsonPath: '.spec.helm.version' },
    { name: 'VALID', jsonPath: '.status.valid', type: 'boolean' },
    ageColumn,
  ],
};
