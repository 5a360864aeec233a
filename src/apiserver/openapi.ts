// The OpenAPI 3.0 document for slipway.dev/v1alpha1, generated from the kinds' TypeBox
// schemas so it cannot drift from what admission enforces. Built once per server.
import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  Condition,
  Group,
  ObjectMeta,
  OwnerReference,
  Version,
  type KindDefinition,
} from '../api/index.ts';
import { JsonPatchType, MergePatchType } from './body.ts';
import { DeleteOptionsSchema } from './delete-options.ts';
import { toOpenApiSchema, type JsonSchema } from './openapi-schema.ts';
import { kubeconfigMediaType } from './routes/kubeconfig.ts';
import { apiBase, servesKubeconfig } from './routes/target.ts';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const StatusSchema = Type.Object(
  {
    kind: Type.Literal('Status'),
    apiVersion: Type.Literal('v1'),
    metadata: Type.Object({}),
    status: Type.Union([Type.Literal('Success'), Type.Literal('Failure')]),
    message: Type.String(),
    reason: Type.String(),
    code: Type.Integer(),
    details: Type.Object({
      name: Type.Optional(Type.String()),
      group: Type.Optional(Type.String()),
      kind: Type.Optional(Type.String()),
      causes: Type.Optional(
        Type.Array(
          Type.Object({
            field: Type.String(),
            message: Type.String(),
            reason: Type.Optional(Type.String()),
          }),
        ),
      ),
    }),
  },
  { description: 'Outcome of a request; every error answers one.' },
);

const ListMetaSchema = Type.Object({
  resourceVersion: Type.String(),
  continue: Type.Optional(Type.String({ description: 'Pass as ?continue= to get the next page.' })),
});

const JsonPatchSchema = Type.Array(
  Type.Object({
    op: Type.Union(
      ['add', 'remove', 'replace', 'move', 'copy', 'test'].map((op) => Type.Literal(op)),
    ),
    path: Type.String(),
    from: Type.Optional(Type.String()),
    value: Type.Optional(Type.Unknown()),
  }),
  { description: 'RFC 6902 JSON patch.' },
);

const param = (name: string, schema: JsonSchema, description: string, where = 'query') => ({
  name,
  in: where,
  required: where === 'path',
  description,
  schema,
});
const dryRunParam = param(
  'dryRun',
  { type: 'string', enum: ['All'] },
  'Run admission and return the would-be result; store nothing.',
);
const readParams = [
  param('labelSelector', { type: 'string' }, 'e.g. env=prod,tier in (web,api),!legacy'),
  param(
    'fieldSelector',
    { type: 'string' },
    'metadata.name or metadata.namespace, with =, == or !=',
  ),
  param('limit', { type: 'integer', minimum: 0 }, 'Page size.'),
  param('continue', { type: 'string' }, 'Token from the previous page.'),
  param('resourceVersion', { type: 'string' }, 'With watch: deliver changes after this revision.'),
  param('watch', { type: 'boolean' }, 'Stream newline-delimited watch events.'),
  param(
    'allowWatchBookmarks',
    { type: 'boolean' },
    'Send BOOKMARK events with the current revision.',
  ),
  param('timeoutSeconds', { type: 'integer', minimum: 0 }, 'End the watch after this long.'),
];

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const objectBody = (schema: JsonSchema) => ({
  required: true,
  content: { 'application/json': { schema }, 'application/yaml': { schema } },
});
const answer = (code: string, schema: JsonSchema, description: string) => ({
  [code]: { description, content: json(schema) },
  default: { description: 'Failure', content: json(ref('Status')) },
});

function kindPaths(kind: KindDefinition, paths: OpenApiDocument['paths']): void {
  const scope = kind.namespaced ? 'Namespaced' : '';
  const id = (verb: string, suffix = '') => `${verb}${scope}${kind.kind}${suffix}`;
  const nsParam = kind.namespaced
    ? [param('namespace', { type: 'string' }, 'Namespace.', 'path')]
    : [];
  const nameParam = param('name', { type: 'string' }, `Name of the ${kind.kind}.`, 'path');
  const collection = kind.namespaced
    ? `${apiBase}/namespaces/{namespace}/${kind.plural}`
    : `${apiBase}/${kind.plural}`;
  const tags = [kind.kind];
  paths[collection] = {
    parameters: nsParam,
    get: {
      operationId: id('list'),
      tags,
      parameters: readParams,
      responses: answer('200', ref(`${kind.kind}List`), 'The list, or a watch stream'),
    },
    post: {
      operationId: id('create'),
      tags,
      parameters: [dryRunParam],
      requestBody: objectBody(ref(kind.kind)),
      responses: answer('201', ref(kind.kind), 'Created'),
    },
  };
  if (kind.namespaced) {
    paths[`${apiBase}/${kind.plural}`] = {
      get: {
        operationId: `list${kind.kind}ForAllNamespaces`,
        tags,
        parameters: readParams,
        responses: answer('200', ref(`${kind.kind}List`), 'The list across namespaces'),
      },
    };
  }
  const patchBody = {
    required: true,
    content: {
      [MergePatchType]: { schema: { type: 'object' } },
      [JsonPatchType]: { schema: ref('JsonPatch') },
    },
  };
  const item = (suffix: string) => ({
    parameters: [...nsParam, nameParam],
    get: {
      operationId: id('read', suffix),
      tags,
      responses: answer('200', ref(kind.kind), 'The object'),
    },
    put: {
      operationId: id('replace', suffix),
      tags,
      parameters: [dryRunParam],
      requestBody: objectBody(ref(kind.kind)),
      responses: answer('200', ref(kind.kind), 'Replaced'),
    },
    patch: {
      operationId: id('patch', suffix),
      tags,
      parameters: [dryRunParam],
      requestBody: patchBody,
      responses: answer('200', ref(kind.kind), 'Patched'),
    },
  });
  paths[`${collection}/{name}`] = {
    ...item(''),
    delete: {
      operationId: id('delete'),
      tags,
      parameters: [
        dryRunParam,
        param(
          'propagationPolicy',
          { type: 'string', enum: ['Background'] },
          'Dependents are deleted in the background once their owner is gone.',
        ),
      ],
      requestBody: { required: false, content: json(ref('DeleteOptions')) },
      responses: {
        ...answer('200', ref(kind.kind), 'Deleted (the last state)'),
        '202': { description: 'Deletion waits on finalizers', content: json(ref(kind.kind)) },
      },
    },
  };
  if (kind.hasStatus) paths[`${collection}/{name}/status`] = item('Status');
  if (servesKubeconfig(kind)) {
    paths[`${collection}/{name}/kubeconfig`] = {
      parameters: [...nsParam, nameParam],
      get: {
        operationId: id('read', 'Kubeconfig'),
        tags,
        responses: {
          '200': {
            description: 'The admin kubeconfig of the cluster',
            content: { [kubeconfigMediaType]: { schema: { type: 'string' } } },
          },
          default: { description: 'Failure', content: json(ref('Status')) },
        },
      },
    };
  }
}

export function buildOpenApiDocument(
  kinds: readonly KindDefinition[],
  version: string,
): OpenApiDocument {
  const shared = new Map<TSchema, string>([
    [ObjectMeta, 'ObjectMeta'],
    [OwnerReference, 'OwnerReference'],
    [Condition, 'Condition'],
  ]);
  const schemas: Record<string, JsonSchema> = {};
  for (const [schema, name] of shared) schemas[name] = toOpenApiSchema(schema, shared);
  schemas['ListMeta'] = toOpenApiSchema(ListMetaSchema, shared);
  schemas['Status'] = toOpenApiSchema(StatusSchema, shared);
  schemas['DeleteOptions'] = toOpenApiSchema(DeleteOptionsSchema, shared);
  schemas['JsonPatch'] = toOpenApiSchema(JsonPatchSchema, shared);
  const paths: OpenApiDocument['paths'] = {};
  for (const kind of kinds) {
    schemas[kind.kind] = {
      ...toOpenApiSchema(kind.schema, shared),
      'x-kubernetes-group-version-kind': [{ group: Group, version: Version, kind: kind.kind }],
    };
    schemas[`${kind.kind}List`] = {
      type: 'object',
      required: ['apiVersion', 'kind', 'metadata', 'items'],
      properties: {
        apiVersion: { type: 'string', enum: [`${Group}/${Version}`] },
        kind: { type: 'string', enum: [`${kind.kind}List`] },
        metadata: ref('ListMeta'),
        items: { type: 'array', items: ref(kind.kind) },
      },
    };
    kindPaths(kind, paths);
  }
  return {
    openapi: '3.0.3',
    info: { title: `Slipway ${Group}/${Version}`, version },
    paths,
    components: { schemas },
  };
}

/** The `/openapi/v3` index, as Kubernetes serves it: one entry per group-version, with a content hash. */
export function openApiIndex(document: OpenApiDocument): {
  paths: Record<string, { serverRelativeURL: string }>;
} {
  const hash = createHash('sha512')
    .update(JSON.stringify(document))
    .digest('hex')
    .slice(0, 64)
    .toUpperCase();
  return {
    paths: {
      [`apis/${Group}/${Version}`]: {
        serverRelativeURL: `/openapi/v3/apis/${Group}/${Version}?hash=${hash}`,
      },
    },
  };
}
