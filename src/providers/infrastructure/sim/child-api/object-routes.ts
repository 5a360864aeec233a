// Resource requests of one simulated cluster: list (with selectors, tables and watch),
// get, create, update, patch, delete, delete collection, the status subresource and
// pod eviction. Paths follow Kubernetes: /api/v1/[namespaces/<ns>/]<plural>[/<name>[/<sub>]]
// and /apis/<group>/<version>/….
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import { methodNotAllowed, pathNotFound, sendJson, successStatus } from './http.ts';
import { withCordonTaint } from './node-object.ts';
import { isRecord, type KubeObject, type ObjectRef } from './objects.ts';
import { PatchContentType, applyPatch, patchTypeOf } from './patch.ts';
import type { PersistentSimClusterRegistry } from './registry.ts';
import type { ResourceCatalog, ResourceInfo } from './resources.ts';
import { matchesFilter, parseListFilter } from './selectors.ts';
import { toTable, wantsTable, type IncludeObject } from './table.ts';
import { serveWatch, type WatchRegistry } from './watch-route.ts';

export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

export interface ObjectRequest {
  registry: PersistentSimClusterRegistry;
  clusterId: string;
  catalog: ResourceCatalog;
  path: ResourcePath;
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  query: URLSearchParams;
  now: () => Date;
  watches: WatchRegistry;
}

/** The resource a path names: `segments` are what follows `/api/v1` or `/apis/<g>/<v>`. */
export function parseResourcePath(
  group: string,
  version: string,
  segments: string[],
): ResourcePath | undefined {
  let rest = segments;
  let namespace: string | undefined;
  const namespaceSub = rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSub) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || extra.length > 0) return undefined;
  return {
    group,
    version,
    plural,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

function badRequest(message: string): SlipwayError {
  return new SlipwayError(StatusReason.BadRequest, message);
}

function readObjectBody(req: IncomingMessage, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  try {
    return type.includes('yaml')
      ? parseYaml(body.toString('utf8'))
      : JSON.parse(body.toString('utf8'));
  } catch (err: unknown) {
    throw badRequest(
      `the request body is not valid ${type.includes('yaml') ? 'YAML' : 'JSON'}: ${err instanceof Error ? err.message : ''}`,
    );
  }
}

function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** The body as an object of this resource, with namespace and name agreeing with the URL. */
function normalize(body: unknown, info: ResourceInfo, path: ResourcePath): KubeObject {
  if (!isRecord(body)) throw badRequest('the request body must be a JSON object');
  const metadata = isRecord(body['metadata']) ? { ...body['metadata'] } : {};
  const kind = typeof body['kind'] === 'string' ? body['kind'] : info.kind;
  if (kind !== info.kind)
    throw badRequest(
      `the body's kind ${kind} does not match the resource ${info.plural} (${info.kind})`,
    );
  if (info.namespaced) {
    const ns =
      typeof metadata['namespace'] === 'string' && metadata['namespace'] !== ''
        ? metadata['namespace']
        : path.namespace;
    if (path.namespace !== undefined && ns !== path.namespace) {
      throw badRequest(
        `the namespace of the provided object (${ns}) does not match the namespace sent on the request (${path.namespace})`,
      );
    }
    if (!ns) throw badRequest('a namespaced object needs a namespace');
    metadata['namespace'] = ns;
  } else {
    delete metadata['namespace'];
  }
  if (path.name !== undefined && metadata['name'] !== undefined && metadata['name'] !== path.name) {
    throw badRequest(
      `the name of the object (${JSON.stringify(metadata['name'])}) does not match the name on the URL (${path.name})`,
    );
  }
  const name = metadata['name'] ?? path.name;
  if (typeof name !== 'string' || name === '') {
    const prefix = metadata['generateName'];
    if (typeof prefix !== 'string' || prefix === '')
      throw new SlipwayError(
        StatusReason.Invalid,
        `${info.kind} is invalid: metadata.name: Required value: name or generateName is required`,
      );
    metadata['name'] = `${prefix}${Math.random().toString(36).slice(2, 7)}`;
  } else {
    metadata['name'] = name;
  }
  return {
    ...body,
    apiVersion: apiVersionOf(info),
    kind: info.kind,
    metadata: metadata as KubeObject['metadata'],
  };
}

function refFor(info: ResourceInfo, path: ResourcePath, name: string): ObjectRef {
  return {
    group: info.group,
    kind: info.kind,
    namespace: info.namespaced ? (path.namespace ?? '') : '',
    name,
  };
}

/** Objects stored under another version of the group are served as this version. */
function asVersion(obj: KubeObject, info: ResourceInfo): KubeObject {
  return { ...obj, apiVersion: apiVersionOf(info) };
}

function afterWrite(info: ResourceInfo, obj: KubeObject, now: Date): KubeObject {
  // The node lifecycle controller keeps the unschedulable taint in step with a cordon.
  return info.group === '' && info.kind === 'Node' ? withCordonTaint(obj, now) : obj;
}

export function handleObjectRequest(request: ObjectRequest, info: ResourceInfo): void {
  const { registry, clusterId, path, req, res, query } = request;
  const method = req.method ?? 'GET';
  const dryRun = query.getAll('dryRun').includes('All');
  if (path.subresource === 'eviction') {
    if (info.kind !== 'Pod' || method !== 'POST' || !path.name) throw methodNotAllowed(method);
    const body = readObjectBody(req, request.body);
    if (isRecord(body) && body['kind'] !== undefined && body['kind'] !== 'Eviction')
      throw badRequest('the body of an eviction must be an Eviction');
    registry.evictPod(clusterId, path.namespace ?? 'default', path.name, { dryRun });
    sendJson(res, 201, successStatus(201));
    return;
  }
  if (path.subresource !== undefined && path.subresource !== 'status') throw pathNotFound();
  if (path.name === undefined) {
    handleCollection(request, info, method, dryRun);
    return;
  }
  const ref = refFor(info, path, path.name);
  const status = path.subresource === 'status' ? { subresource: 'status' as const } : {};
  switch (method) {
    case 'GET': {
      const obj = registry.getObject(clusterId, ref);
      if (!obj) throw notFound(info, path.name);
      const include = (query.get('includeObject') ?? 'Metadata') as IncludeObject;
      const body = wantsTable(req.headers.accept)
        ? toTable(info.kind, [obj], obj.metadata.resourceVersion ?? '', include, request.now())
        : asVersion(obj, info);
      sendJson(res, 200, body);
      return;
    }
    case 'PUT': {
      const obj = normalize(readObjectBody(req, request.body), info, path);
      const stored = registry.updateObject(clusterId, afterWrite(info, obj, request.now()), {
        dryRun,
        ...status,
      });
      sendJson(res, 200, stored);
      return;
    }
    case 'PATCH': {
      const type = patchTypeOf(req.headers['content-type']);
      if (!type)
        throw new SlipwayError(
          StatusReason.UnsupportedMediaType,
          `the patch content type "${req.headers['content-type'] ?? ''}" is not supported`,
        );
      const patch = readObjectBody(req, request.body);
      const existing = registry.getObject(clusterId, ref);
      if (!existing) {
        if (type !== PatchContentType.Apply) throw notFound(info, path.name);
        const created = registry.createObject(clusterId, normalize(patch, info, path), { dryRun });
        sendJson(res, 201, created);
        return;
      }
      const patched = normalize(applyPatch(type, existing, patch), info, path);
      // A patch never changes identity; its resourceVersion, if any, is a precondition.
      patched.metadata = { ...patched.metadata, uid: existing.metadata.uid ?? '' };
      const wantsPrecondition =
        isRecord(patch) &&
        isRecord(patch['metadata']) &&
        patch['metadata']['resourceVersion'] !== undefined;
      if (!wantsPrecondition)
        patched.metadata.resourceVersion = existing.metadata.resourceVersion ?? '';
      const stored = registry.updateObject(clusterId, afterWrite(info, patched, request.now()), {
        dryRun,
        ...status,
      });
      sendJson(res, 200, asVersion(stored, info));
      return;
    }
    case 'DELETE': {
      if (path.subresource) throw methodNotAllowed(method);
      sendJson(res, 200, registry.deleteObject(clusterId, ref, { dryRun }));
      return;
    }
    default:
      throw methodNotAllowed(method);
  }
}

function notFound(info: ResourceInfo, name: string): SlipwayError {
  return new SlipwayError(
    StatusReason.NotFound,
    `${info.plural}${info.group ? `.${info.group}` : ''} "${name}" not found`,
    {
      name,
      kind: info.plural,
      ...(info.group ? { group: info.group } : {}),
    },
  );
}

function selected(request: ObjectRequest, info: ResourceInfo): KubeObject[] {
  const filter = parseListFilter(request.query);
  const namespace = info.namespaced ? request.path.namespace : undefined;
  return request.registry
    .listObjects(request.clusterId, info.group, info.kind, namespace)
    .filter((obj) => matchesFilter(filter, obj))
    .map((obj) => asVersion(obj, info));
}

function handleCollection(
  request: ObjectRequest,
  info: ResourceInfo,
  method: string,
  dryRun: boolean,
): void {
  const { registry, clusterId, req, res, query } = request;
  const revision = String(registry.revision);
  const table = wantsTable(req.headers.accept);
  const include = (query.get('includeObject') ?? 'Metadata') as IncludeObject;
  switch (method) {
    case 'GET': {
      if (query.get('watch') === 'true' || query.get('watch') === '1') {
        serveWatch(request, info, {
          table,
          include,
          filter: parseListFilter(query),
          initial: selected(request, info),
        });
        return;
      }
      const items = selected(request, info);
      const body = table
        ? toTable(info.kind, items, revision, include, request.now())
        : {
            kind: `${info.kind}List`,
            apiVersion: apiVersionOf(info),
            metadata: { resourceVersion: revision },
            items,
          };
      sendJson(res, 200, body);
      return;
    }
    case 'POST': {
      const obj = normalize(readObjectBody(req, request.body), info, request.path);
      if (obj.metadata.resourceVersion)
        throw badRequest('resourceVersion should not be set on objects to be created');
      sendJson(res, 201, registry.createObject(clusterId, obj, { dryRun }));
      return;
    }
    case 'DELETE': {
      const items = selected(request, info).map((obj) =>
        registry.deleteObject(clusterId, refFor(info, request.path, obj.metadata.name), { dryRun }),
      );
      sendJson(res, 200, {
        kind: `${info.kind}List`,
        apiVersion: apiVersionOf(info),
        metadata: { resourceVersion: String(registry.revision) },
        items,
      });
      return;
    }
    default:
      throw methodNotAllowed(method);
  }
}
