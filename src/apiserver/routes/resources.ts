// The resource routes: get, list, watch, create, update (and status), patch, delete,
// and a ClusterDeployment's kubeconfig (kubeconfig.ts).
// Every write goes admission → store; a dry run runs both and the store writes nothing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiVersion,
  SlipwayError,
  StatusReason,
  isPlainObject,
  isSlipwayError,
  type AnyResource,
} from '../../api/index.ts';
import type { ListPageOptions, Store } from '../../store/types.ts';
import type { Admission } from '../admission/pipeline.ts';
import type { AdmissionRequest } from '../admission/types.ts';
import { JsonPatchType, MergePatchType, mediaType } from '../body.ts';
import { parseDeleteOptions } from '../delete-options.ts';
import { applyPatch, patchSetsResourceVersion, type PatchType } from '../patch.ts';
import { parseDryRun, parseReadQuery, type Query } from '../query.ts';
import { kubeconfigMediaType, readClusterKubeconfig } from './kubeconfig.ts';
import {
  methodNotAllowed,
  resolveTarget,
  resourceRoutes,
  verbOf,
  type ResourceParams,
  type Target,
} from './target.ts';
import { serveWatch, type WatchDeps } from './watch.ts';

export interface ResourceRouteDeps extends WatchDeps {
  store: Store;
  admission: Admission;
}

type ResourceRequest = FastifyRequest<{ Params: ResourceParams; Querystring: Query }>;

/** How often a generated name or an unconditional patch is retried after losing a race. */
const maxAttempts = 5;

export function registerResourceRoutes(app: FastifyInstance, deps: ResourceRouteDeps): void {
  const handler = (req: ResourceRequest, reply: FastifyReply) => handle(deps, req, reply);
  for (const url of resourceRoutes) {
    app.route<{ Params: ResourceParams; Querystring: Query }>({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      handler,
    });
  }
}

async function handle(
  deps: ResourceRouteDeps,
  req: ResourceRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const params = req.params;
  const target = resolveTarget(params);
  const read = parseReadQuery(req.query);
  const verb = verbOf(req.method, params, read.watch);
  if (verb === undefined) throw methodNotAllowed(req.method, params);
  const { store, admission } = deps;
  const kind = target.kind.kind;
  if (target.subresource === 'kubeconfig') {
    if (verb !== 'get') throw methodNotAllowed(req.method, params);
    const kubeconfig = await readClusterKubeconfig(store, target.namespace, nameOf(target));
    return reply.type(kubeconfigMediaType).send(kubeconfig);
  }
  switch (verb) {
    case 'get':
      return store.get(kind, target.namespace, nameOf(target));
    case 'list':
      return list(store, target, read);
    case 'watch':
      return serveWatch(deps, reply, req.log, target, read);
    case 'create':
      reply.code(201);
      return create(store, admission, target, req.body, parseDryRun(req.query));
    case 'update':
      return update(store, admission, target, req.body, parseDryRun(req.query));
    case 'patch':
      return patch(
        store,
        admission,
        target,
        req.headers['content-type'],
        req.body,
        parseDryRun(req.query),
      );
    case 'delete': {
      const options = parseDeleteOptions(req.body, req.query);
      const deleted = await store.delete(kind, target.namespace, nameOf(target), {
        dryRun: options.dryRun,
        ...(options.uid !== undefined ? { uid: options.uid } : {}),
        ...(options.resourceVersion !== undefined
          ? { resourceVersion: options.resourceVersion }
          : {}),
      });
      // Still there, waiting on finalizers: accepted, not done (as Kubernetes answers).
      if (
        deleted.metadata.deletionTimestamp !== undefined &&
        (deleted.metadata.finalizers?.length ?? 0) > 0
      )
        reply.code(202);
      return deleted;
    }
  }
}

function nameOf(target: Target): string {
  if (target.name === undefined) throw new Error('route without a name');
  return target.name;
}

async function list(store: Store, target: Target, read: ReturnType<typeof parseReadQuery>) {
  const options: ListPageOptions = {};
  if (target.namespace !== undefined) options.namespace = target.namespace;
  if (read.labelSelector !== undefined) options.labelSelector = read.labelSelector;
  if (read.fieldSelector !== undefined) options.fieldSelector = read.fieldSelector;
  if (read.limit !== undefined) options.limit = read.limit;
  if (read.continue !== undefined) options.continue = read.continue;
  const result = await store.list(target.kind.kind, options);
  const metadata: { resourceVersion: string; continue?: string } = {
    resourceVersion: result.resourceVersion,
  };
  if (result.continue !== undefined) metadata.continue = result.continue;
  return { apiVersion: ApiVersion, kind: `${target.kind.kind}List`, metadata, items: result.items };
}

function isGeneratedName(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('metadata' in body)) return false;
  const meta = body.metadata;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    !('name' in meta && meta.name) &&
    'generateName' in meta &&
    Boolean(meta.generateName)
  );
}

async function create(
  store: Store,
  admission: Admission,
  target: Target,
  body: unknown,
  dryRun: boolean,
): Promise<AnyResource> {
  if (target.kind.namespaced && target.namespace === undefined) {
    throw new SlipwayError(
      StatusReason.MethodNotAllowed,
      `create ${target.kind.plural} in a namespace: POST ${`/apis/${ApiVersion}/namespaces/{namespace}/${target.kind.plural}`}`,
    );
  }
  const request = (object: unknown): AdmissionRequest => ({
    operation: 'create',
    kind: target.kind,
    ...(target.namespace !== undefined ? { namespace: target.namespace } : {}),
    body: object,
  });
  if (!isGeneratedName(body)) return store.create(await admission.admit(request(body)), { dryRun });
  // A generated name can collide with an existing one; draw another, as Kubernetes clients would.
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.create(await admission.admit(request(structuredClone(body))), {
        dryRun,
      });
    } catch (err: unknown) {
      if (!isSlipwayError(err, StatusReason.AlreadyExists) || attempt >= maxAttempts) throw err;
    }
  }
}

function updateRequest(target: Target, body: unknown, oldObject: AnyResource): AdmissionRequest {
  return {
    operation: 'update',
    kind: target.kind,
    name: nameOf(target),
    body,
    oldObject,
    ...(target.namespace !== undefined ? { namespace: target.namespace } : {}),
    ...(target.subresource === 'status' ? { subresource: 'status' as const } : {}),
  };
}

function write(
  store: Store,
  target: Target,
  object: AnyResource,
  dryRun: boolean,
): Promise<AnyResource> {
  return target.subresource === 'status'
    ? store.updateStatus(object, { dryRun })
    : store.update(object, { dryRun });
}

/**
 * Replace the object with what `next` makes of the stored one, through admission. With
 * no resourceVersion from the caller ("whatever is there now"), the write is pinned to
 * the revision admission judged and retried on a Conflict, so immutability and the
 * other checks always see the object the store really replaces (Kubernetes'
 * GuaranteedUpdate). With one, a stale revision is the caller's Conflict.
 */
async function guaranteedUpdate(
  store: Store,
  admission: Admission,
  target: Target,
  dryRun: boolean,
  conditional: boolean,
  next: (current: AnyResource) => unknown,
): Promise<AnyResource> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(target.kind.kind, target.namespace, nameOf(target));
    const body = next(current);
    if (!conditional && isPlainObject(body) && current.metadata.resourceVersion !== undefined) {
      const meta = isPlainObject(body['metadata']) ? body['metadata'] : {};
      body['metadata'] = { ...meta, resourceVersion: current.metadata.resourceVersion };
    }
    try {
      const admitted = await admission.admit(updateRequest(target, body, current));
      return await write(store, target, admitted, dryRun);
    } catch (err: unknown) {
      if (conditional || !isSlipwayError(err, StatusReason.Conflict) || attempt >= maxAttempts)
        throw err;
    }
  }
}

function update(
  store: Store,
  admission: Admission,
  target: Target,
  body: unknown,
  dryRun: boolean,
): Promise<AnyResource> {
  const meta = isPlainObject(body) ? body['metadata'] : undefined;
  const conditional = isPlainObject(meta) && meta['resourceVersion'] != null;
  // Admission changes the body in place: each attempt gets its own copy.
  return guaranteedUpdate(store, admission, target, dryRun, conditional, () =>
    structuredClone(body),
  );
}

function patch(
  store: Store,
  admission: Admission,
  target: Target,
  contentType: string | undefined,
  body: unknown,
  dryRun: boolean,
): Promise<AnyResource> {
  const type = mediaType(contentType);
  if (type !== MergePatchType && type !== JsonPatchType)
    throw new Error('patch type not checked by the body parser');
  const patchType: PatchType = type;
  const conditional = patchSetsResourceVersion(patchType, body);
  return guaranteedUpdate(store, admission, target, dryRun, conditional, (current) =>
    applyPatch(patchType, current, body),
  );
}
