// The resource routes: get, list, watch, create, update (and status), patch, delete,
// and a ClusterDeployment's kubeconfig (kubeconfig.ts).
// Every write goes admission → store; a dry run runs both and the store writes nothing.
// Reads apply the authorizer's filter (lists and watches show only what the caller may
// read) and never serve Secrets of internal types (rbac/internal-secrets.ts). A
// ClusterDeployment's admission and store write hold its namespace's AdmissionLock, so
// concurrent creates cannot all squeeze under a project's quota.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiVersion,
  SlipwayError,
  StatusReason,
  isPlainObject,
  isSlipwayError,
  clusterDeploymentKind,
  secretKind,
  type AnyResource,
} from '../../api/index.ts';
import type { ListPageOptions, Store } from '../../store/types.ts';
import type { Admission } from '../admission/pipeline.ts';
import type { AdmissionLocks } from '../admission/quota.ts';
import type { AdmissionRequest } from '../admission/types.ts';
import type { UserInfo } from '../authn.ts';
import type { ReadFilter } from '../authz.ts';
import { isInternalSecret, servedOrNotFound } from '../rbac/internal-secrets.ts';
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
  /** Serialises admission + write of ClusterDeployments per namespace (quota). */
  admissionLocks: AdmissionLocks;
}

/** What a write needs beyond the URL: the stores, the caller, the lock. */
interface WriteContext {
  store: Store;
  admission: Admission;
  locks: AdmissionLocks;
  user: UserInfo | undefined;
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
  const { store } = deps;
  const kind = target.kind.kind;
  const filter = req.readFilter;
  const writes: WriteContext = {
    store,
    admission: deps.admission,
    locks: deps.admissionLocks,
    user: req.user,
  };
  if (target.subresource === 'kubeconfig') {
    if (verb !== 'get') throw methodNotAllowed(req.method, params);
    const kubeconfig = await readClusterKubeconfig(store, target.namespace, nameOf(target));
    return reply.type(kubeconfigMediaType).send(kubeconfig);
  }
  switch (verb) {
    case 'get':
      return servedOrNotFound(await store.get(kind, target.namespace, nameOf(target)));
    case 'list':
      return list(store, target, read, filter);
    case 'watch':
      return serveWatch(deps, reply, req.log, target, read, filter);
    case 'create':
      reply.code(201);
      return create(writes, target, req.body, parseDryRun(req.query));
    case 'update':
      return update(writes, target, req.body, parseDryRun(req.query));
    case 'patch':
      return patch(writes, target, req.headers['content-type'], req.body, parseDryRun(req.query));
    case 'delete': {
      const options = parseDeleteOptions(req.body, req.query);
      if (kind === secretKind.kind) {
        // Pinned to the uid looked at, so an internal Secret is never the one deleted.
        const current = servedOrNotFound(await store.get(kind, target.namespace, nameOf(target)));
        if (options.uid === undefined && current.metadata.uid !== undefined)
          options.uid = current.metadata.uid;
      }
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

/**
 * One page of a list, without what the caller may not read. A page may so hold fewer
 * items than `limit` (even none, with a continue token), which Kubernetes clients accept.
 */
async function list(
  store: Store,
  target: Target,
  read: ReturnType<typeof parseReadQuery>,
  filter: ReadFilter | undefined,
) {
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
  const items = result.items.filter(
    (item) => !isInternalSecret(item) && (filter === undefined || filter(item)),
  );
  return { apiVersion: ApiVersion, kind: `${target.kind.kind}List`, metadata, items };
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

/**
 * Runs admission and the write under the namespace's lock for ClusterDeployments (quota
 * usage must not change between the check and the write), directly for other kinds.
 */
function locked<T>(ctx: WriteContext, target: Target, task: () => Promise<T>): Promise<T> {
  if (target.kind.kind !== clusterDeploymentKind.kind || target.subresource !== undefined)
    return task();
  return ctx.locks.run(`${target.kind.kind}/${target.namespace ?? ''}`, task);
}

async function create(
  ctx: WriteContext,
  target: Target,
  body: unknown,
  dryRun: boolean,
): Promise<AnyResource> {
  const { store, admission } = ctx;
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
    ...(ctx.user !== undefined ? { user: ctx.user } : {}),
  });
  const admitAndCreate = (object: unknown) =>
    locked(ctx, target, async () =>
      store.create(await admission.admit(request(object)), { dryRun }),
    );
  if (!isGeneratedName(body)) return admitAndCreate(body);
  // A generated name can collide with an existing one; draw another, as Kubernetes clients would.
  for (let attempt = 1; ; attempt++) {
    try {
      return await admitAndCreate(structuredClone(body));
    } catch (err: unknown) {
      if (!isSlipwayError(err, StatusReason.AlreadyExists) || attempt >= maxAttempts) throw err;
    }
  }
}

function updateRequest(
  target: Target,
  body: unknown,
  oldObject: AnyResource,
  user: UserInfo | undefined,
): AdmissionRequest {
  return {
    ...(user !== undefined ? { user } : {}),
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
  ctx: WriteContext,
  target: Target,
  dryRun: boolean,
  conditional: boolean,
  next: (current: AnyResource) => unknown,
): Promise<AnyResource> {
  const { store, admission } = ctx;
  const attemptOnce = async () => {
    const current = servedOrNotFound(
      await store.get(target.kind.kind, target.namespace, nameOf(target)),
    );
    const body = next(current);
    if (!conditional && isPlainObject(body) && current.metadata.resourceVersion !== undefined) {
      const meta = isPlainObject(body['metadata']) ? body['metadata'] : {};
      body['metadata'] = { ...meta, resourceVersion: current.metadata.resourceVersion };
    }
    const admitted = await admission.admit(updateRequest(target, body, current, ctx.user));
    return write(store, target, admitted, dryRun);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await locked(ctx, target, attemptOnce);
    } catch (err: unknown) {
      if (conditional || !isSlipwayError(err, StatusReason.Conflict) || attempt >= maxAttempts)
        throw err;
    }
  }
}

function update(
  ctx: WriteContext,
  target: Target,
  body: unknown,
  dryRun: boolean,
): Promise<AnyResource> {
  const meta = isPlainObject(body) ? body['metadata'] : undefined;
  const conditional = isPlainObject(meta) && meta['resourceVersion'] != null;
  // Admission changes the body in place: each attempt gets its own copy.
  return guaranteedUpdate(ctx, target, dryRun, conditional, () => structuredClone(body));
}

function patch(
  ctx: WriteContext,
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
  return guaranteedUpdate(ctx, target, dryRun, conditional, (current) =>
    applyPatch(patchType, current, body),
  );
}
