// Kubernetes-style object metadata, conditions and label selectors shared by every kind.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const Group = 'slipway.dev';
export const Version = 'v1alpha1';
export const ApiVersion = `${Group}/${Version}`;

/** Namespace that holds objects published to every project (k0rdent keeps them in `kcm-system`). */
export const SystemNamespace = 'slipway-system';
/** Namespace used when a namespaced request names none. */
export const DefaultNamespace = 'default';

const StringMap = Type.Record(Type.String(), Type.String());

export const OwnerReference = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    uid: Type.String(),
    controller: Type.Optional(Type.Boolean()),
    blockOwnerDeletion: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type OwnerReference = Static<typeof OwnerReference>;

export const ObjectMeta = Type.Object(
  {
    name: Type.String({
      description: 'Unique within the namespace (or globally for cluster-scoped kinds).',
    }),
    generateName: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String({ description: 'Set by the server.' })),
    resourceVersion: Type.Optional(
      Type.String({
        description: 'Store revision of the last write; send it back to update safely.',
      }),
    ),
    generation: Type.Optional(Type.Integer({ description: 'Incremented when spec changes.' })),
    labels: Type.Optional(StringMap),
    annotations: Type.Optional(StringMap),
    finalizers: Type.Optional(Type.Array(Type.String())),
    ownerReferences: Type.Optional(Type.Array(OwnerReference)),
    creationTimestamp: Type.Optional(Type.String({ format: 'date-time' })),
    deletionTimestamp: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type ObjectMeta = Static<typeof ObjectMeta>;

export const ConditionStatus = Type.Union([
  Type.Literal('True'),
  Type.Literal('False'),
  Type.Literal('Unknown'),
]);
export type ConditionStatus = Static<typeof ConditionStatus>;

export const Condition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    reason: Type.String(),
    message: Type.Optional(Type.String()),
    lastTransitionTime: Type.String({ format: 'date-time' }),
    observedGeneration: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof Condition>;

/** Fields every status carries; each kind adds its own. */
export const statusBase = {
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(Condition)),
};

export const LabelSelectorRequirement = Type.Object(
  {
    key: Type.String(),
    operator: Type.Union([
      Type.Literal('In'),
      Type.Literal('NotIn'),
      Type.Literal('Exists'),
      Type.Literal('DoesNotExist'),
    ]),
    values: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(StringMap),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement)),
  },
  { additionalProperties: false },
);
export type LabelSelector = Static<typeof LabelSelector>;

/** A reference to another object by name, in the same namespace unless one is given. */
export const ObjectRef = Type.Object(
  { name: Type.String(), namespace: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

/** Free-form JSON object (template values, provider settings). Validated elsewhere. */
export const FreeForm = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), { description });

/** The envelope every resource shares: apiVersion, kind, metadata, plus the kind's own fields. */
export function resource<K extends string, P extends Record<string, TSchema>>(
  kind: K,
  properties: P,
  description: string,
) {
  return Type.Object(
    {
      apiVersion: Type.Literal(ApiVersion),
      kind: Type.Literal(kind),
      metadata: ObjectMeta,
      ...properties,
    },
    { additionalProperties: false, description },
  );
}

/** Any stored object: what the store and the generic API paths handle. */
export interface AnyResource {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}
