// What a resource URL names: kind, namespace, name, subresource, and which verb the
// method amounts to. Shared by authorization (which sees only the URL, as in
// Kubernetes' RequestInfo) and the handlers (which also need the kind).
import {
  Group,
  SlipwayError,
  StatusReason,
  Version,
  clusterDeploymentKind,
  kindByPlural,
  type KindDefinition,
} from '../../api/index.ts';
import type { Subresource, Verb } from '../authz.ts';

export const apiBase = `/apis/${Group}/${Version}`;

/** Every resource URL shape; the all-namespaces list shares the cluster-scoped shapes. */
export const resourceRoutes = [
  `${apiBase}/:plural`,
  `${apiBase}/:plural/:name`,
  `${apiBase}/:plural/:name/:subresource`,
  `${apiBase}/namespaces/:namespace/:plural`,
  `${apiBase}/namespaces/:namespace/:plural/:name`,
  `${apiBase}/namespaces/:namespace/:plural/:name/:subresource`,
] as const;

export interface ResourceParams {
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface Target {
  kind: KindDefinition;
  namespace?: string;
  name?: string;
  subresource?: Subresource;
}

/** Whether objects of the kind have a `kubeconfig` subresource (the admin kubeconfig). */
export function servesKubeconfig(kind: KindDefinition): boolean {
  return kind.kind === clusterDeploymentKind.kind;
}

function notFound(message: string, kind?: string): SlipwayError {
  return new SlipwayError(StatusReason.NotFound, message, kind === undefined ? {} : { kind });
}

/** The kind and object a URL names; 404 for unknown plurals and impossible shapes. */
export function resolveTarget(params: ResourceParams): Target {
  const kind = kindByPlural(params.plural);
  if (kind === undefined) {
    throw notFound(
      `the server could not find the requested resource: "${params.plural}" is not a resource in ${Group}/${Version}`,
      params.plural,
    );
  }
  if (params.namespace !== undefined && !kind.namespaced) {
    throw notFound(`${kind.plural} are cluster-scoped: use ${apiBase}/${kind.plural}`, kind.kind);
  }
  if (params.name !== undefined && kind.namespaced && params.namespace === undefined) {
    throw notFound(
      `${kind.plural} are namespaced: use ${apiBase}/namespaces/{namespace}/${kind.plural}/${params.name}`,
      kind.kind,
    );
  }
  const target: Target = { kind };
  if (params.namespace !== undefined) target.namespace = params.namespace;
  if (params.name !== undefined) target.name = params.name;
  if (params.subresource !== undefined) {
    if (params.subresource === 'status' && kind.hasStatus) target.subresource = 'status';
    else if (params.subresource === 'kubeconfig' && servesKubeconfig(kind))
      target.subresource = 'kubeconfig';
    else throw notFound(`${kind.plural} have no subresource "${params.subresource}"`, kind.kind);
  }
  return target;
}

/** The verb an HTTP method means at a URL, or undefined when the combination is not served. */
export function verbOf(method: string, params: ResourceParams, watch: boolean): Verb | undefined {
  const named = params.name !== undefined;
  const sub = params.subresource !== undefined;
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return sub ? undefined : 'watch';
      return named ? 'get' : 'list';
    case 'POST':
      return named ? undefined : 'create';
    case 'PUT':
      return named ? 'update' : undefined;
    case 'PATCH':
      return named ? 'patch' : undefined;
    case 'DELETE':
      return named && !sub ? 'delete' : undefined;
    default:
      return undefined;
  }
}

export function methodNotAllowed(method: string, params: ResourceParams): SlipwayError {
  const what =
    params.name === undefined
      ? `the collection ${params.plural}`
      : params.subresource
        ? `${params.plural}/${params.subresource}`
        : `a single ${params.plural} object`;
  return new SlipwayError(
    StatusReason.MethodNotAllowed,
    `the server does not allow ${method} on ${what}`,
  );
}
