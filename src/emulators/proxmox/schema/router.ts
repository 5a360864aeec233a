// Routing as PVE::RESTHandler::find_handler does it: the path is split on slashes (empty parts
// dropped), each part is either a fixed name or fills one `{param}` (any non-blank text), and
// a few subtrees take the whole rest of the path as one part.

import type { PveEndpoint, PveMatch, PveMethod } from './types.ts';

/** The methods pve-http-server knows; any other gets 501 before routing. */
export const PVE_METHODS: readonly PveMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/**
 * Subtrees registered with `fragmentDelimiter => ''`: below them the rest of the path is one
 * parameter, because its value may contain slashes. pve-storage mounts
 * PVE::API2::Storage::Content like this: volume IDs look like `local:iso/debian.iso`.
 */
const WHOLE_REST_BELOW: ReadonlySet<string> = new Set(['/nodes/{node}/storage/{storage}/content']);

/** One level of the route tree: fixed names, or one parameter, never both (as in PVE). */
export interface RouteNode {
  readonly folders: Map<string, RouteNode>;
  param?: { readonly name: string; readonly node: RouteNode };
  readonly methods: Map<PveMethod, PveEndpoint>;
  wholeRest: boolean;
}

export function newRouteNode(): RouteNode {
  return { folders: new Map(), methods: new Map(), wholeRest: false };
}

/** Adds `endpoint` under its path template, creating the levels it needs. */
export function addRoute(root: RouteNode, endpoint: PveEndpoint): void {
  let node = root;
  let template = '';
  for (const part of endpoint.pathTemplate.split('/').filter((p) => p !== '')) {
    template += `/${part}`;
    const param = /^\{([\w-]+)\}$/.exec(part);
    if (param !== null) {
      const name = param[1] ?? '';
      if (node.folders.size > 0 || (node.param !== undefined && node.param.name !== name)) {
        throw new Error(`route ${template}: a level holds either names or one {param}`);
      }
      node.param ??= { name, node: newRouteNode() };
      node = node.param.node;
    } else {
      if (node.param !== undefined) {
        throw new Error(`route ${template}: a level holds either names or one {param}`);
      }
      let next = node.folders.get(part);
      if (next === undefined) {
        next = newRouteNode();
        node.folders.set(part, next);
      }
      node = next;
    }
    if (WHOLE_REST_BELOW.has(template)) node.wholeRest = true;
  }
  if (node.methods.has(endpoint.method)) {
    throw new Error(`route ${endpoint.method} ${endpoint.pathTemplate} is defined twice`);
  }
  node.methods.set(endpoint.method, endpoint);
}

/**
 * Finds the endpoint for `method` and `path` (below /api2/json, percent-decoded as
 * pve-http-server decodes it before routing).
 */
export function findRoute(root: RouteNode, method: string, path: string): PveMatch {
  if (!(PVE_METHODS as readonly string[]).includes(method)) {
    return { ok: false, status: 501, message: `method '${method}' not available` };
  }
  const notFound: PveMatch = {
    ok: false,
    status: 501,
    message: `Method '${method} ${path}' not implemented`,
  };
  let stack = path.split(/\/+/).filter((part) => part !== '');
  const pathParams: Record<string, string> = {};
  let node: RouteNode | undefined = root;
  while (stack.length > 0) {
    const part = stack.shift() ?? '';
    if (node.param !== undefined) {
      if (!/^\S+$/.test(part)) return notFound;
      pathParams[node.param.name] = part;
      node = node.param.node;
    } else {
      node = node.folders.get(part);
      if (node === undefined) return notFound;
    }
    if (node.wholeRest && stack.length > 1) stack = [stack.join('/')];
  }
  const endpoint = node.methods.get(method as PveMethod);
  return endpoint === undefined ? notFound : { ok: true, endpoint, pathParams };
}
