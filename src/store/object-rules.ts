// The semantics every backend shares, kept free of storage so sqlite and etcd cannot
// drift: what create, update, updateStatus and delete do to an object, given the stored
// one. Each returns a plan the backend carries out in one transaction.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { badRequest, conflict, invalid, SlipwayError, StatusReason } from '../api/errors.ts';
import type { KindDefinition } from '../api/kind.ts';
import type { AnyResource, ObjectMeta } from '../api/meta.ts';
import { randomNameSuffix } from '../api/names.ts';
import type { DeleteOptions } from './types.ts';

/** Where an object lives. `namespace` is '' for cluster-scoped kinds. */
export interface ObjectKey {
  kind: string;
  namespace: string;
  name: string;
}

/** What a write amounts to: nothing, a new state of the object, or its removal. */
export type WritePlan =
  | { action: 'noop'; object: AnyResource }
  | { action: 'write'; object: AnyResource }
  | { action: 'remove'; object: AnyResource };

/** Fields that are not part of the spec when deciding whether generation moves. */
const nonSpecFields = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** Resolves kind names to definitions; unknown kinds are a BadRequest. */
export function kindResolver(kinds: readonly KindDefinition[]): (kind: string) => KindDefinition {
  const byName = new Map(kinds.map((k) => [k.kind, k]));
  return (kind) => {
    const def = byName.get(kind);
    if (!def) throw badRequest(`unknown kind "${kind}"`);
    return def;
  };
}

/** Kubernetes timestamps: RFC 3339 in UTC with whole seconds. */
export function formatTimestamp(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The key of an object of `def`, checking the namespace matches the kind's scope. */
export function objectKey(
  def: KindDefinition,
  namespace: string | undefined,
  name: string,
): ObjectKey {
  if (!name) {
    throw invalid(def.kind, name, [
      { field: 'metadata.name', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  }
  if (!def.namespaced) return { kind: def.kind, namespace: '', name };
  if (!namespace) {
    throw invalid(def.kind, name, [
      {
        field: 'metadata.namespace',
        message: `Required value: ${def.kind} is namespaced`,
        reason: 'FieldValueRequired',
      },
    ]);
  }
  return { kind: def.kind, namespace, name };
}

/** A deep, JSON-normal copy: callers' later mutations cannot reach the store, and
 * `undefined` members vanish so comparisons see what would be stored. */
export function normalize<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function specOf(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !nonSpecFields.has(k)));
}

/** Drop empty collections, as Kubernetes' omitempty does, so [] and absent compare equal. */
function tidyMeta(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = { ...meta };
  if (out.labels && Object.keys(out.labels).length === 0) delete out.labels;
  if (out.annotations && Object.keys(out.annotations).length === 0) delete out.annotations;
  if (out.finalizers?.length === 0) delete out.finalizers;
  if (out.ownerReferences?.length === 0) delete out.ownerReferences;
  delete out.resourceVersion;
  return out;
}

function requireMetadata(obj: AnyResource): ObjectMeta {
  if (
    typeof obj !== 'object' ||
    obj === null ||
    typeof obj.metadata !== 'object' ||
    obj.metadata === null
  ) {
    throw badRequest('object has no metadata', [{ field: 'metadata', message: 'Required value' }]);
  }
  return obj.metadata;
}

/** Kind, namespace and name of an object a caller passed in. */
export function identity(obj: AnyResource): { kind: string; namespace?: string; name: string } {
  const meta = requireMetadata(obj);
  return {
    kind: obj.kind,
    ...(meta.namespace ? { namespace: meta.namespace } : {}),
    name: meta.name,
  };
}

/** The object a create stores (without resourceVersion), and its key. */
export function prepareCreate(
  def: KindDefinition,
  input: AnyResource,
  now: string,
): { key: ObjectKey; object: AnyResource } {
  const meta = requireMetadata(input);
  const name = meta.name || (meta.generateName ? meta.generateName + randomNameSuffix() : '');
  const key = objectKey(def, meta.namespace, name);
  const { status: _status, ...rest } = normalize(input);
  const metadata: ObjectMeta = tidyMeta({
    ...rest.metadata,
    name,
    uid: randomUUID(),
    creationTimestamp: now,
    generation: 1,
  });
  delete metadata.deletionTimestamp;
  if (def.namespaced) metadata.namespace = key.namespace;
  else delete metadata.namespace;
  return { key, object: { ...rest, metadata } };
}

/** Conflict unless `existing` is still at `resourceVersion` and has `uid` (when given). */
export function checkPreconditions(existing: AnyResource, pre: DeleteOptions): void {
  const { kind, metadata } = existing;
  if (pre.uid !== undefined && pre.uid !== metadata.uid) {
    throw conflict(
      kind,
      metadata.name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${metadata.uid ?? ''}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== metadata.resourceVersion) {
    throw conflict(
      kind,
      metadata.name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
}

function checkImmutable(existing: AnyResource, meta: ObjectMeta): void {
  const causes = (['uid', 'creationTimestamp'] as const)
    .filter((f) => meta[f] !== undefined && meta[f] !== existing.metadata[f])
    .map((f) => ({
      field: `metadata.${f}`,
      message: 'field is immutable',
      reason: 'FieldValueInvalid',
    }));
  if (causes.length > 0) throw invalid(existing.kind, existing.metadata.name, causes);
}

function unchanged(existing: AnyResource, next: AnyResource): boolean {
  const { resourceVersion: _rv, ...meta } = existing.metadata;
  return isDeepStrictEqual({ ...existing, metadata: meta }, next);
}

/** update: everything but status from `input`; status, identity and timestamps as stored. */
export function prepareUpdate(existing: AnyResource, input: AnyResource): WritePlan {
  const meta = requireMetadata(input);
  checkPreconditions(
    existing,
    meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion },
  );
  checkImmutable(existing, meta);
  const old = existing.metadata;
  const next = normalize(input);
  const { status: _ignored, ...body } = next;
  const deleting = old.deletionTimestamp !== undefined;
  const added = (next.metadata.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
  if (deleting && added.length > 0) {
    throw invalid(existing.kind, old.name, [
      {
        field: 'metadata.finalizers',
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        reason: 'FieldValueForbidden',
      },
    ]);
  }
  const specChanged = !isDeepStrictEqual(specOf(body), specOf(existing));
  const metadata = tidyMeta({
    ...next.metadata,
    name: old.name,
    uid: old.uid ?? '',
    creationTimestamp: old.creationTimestamp ?? '',
    generation: (old.generation ?? 1) + (specChanged ? 1 : 0),
  });
  if (old.namespace !== undefined) metadata.namespace = old.namespace;
  else delete metadata.namespace;
  delete metadata.deletionTimestamp;
  if (old.deletionTimestamp !== undefined) metadata.deletionTimestamp = old.deletionTimestamp;
  const object: AnyResource = {
    ...body,
    apiVersion: next.apiVersion || existing.apiVersion,
    kind: existing.kind,
    metadata,
  };
  if (existing.status !== undefined) object.status = existing.status;
  if (deleting && !metadata.finalizers) return { action: 'remove', object };
  return unchanged(existing, object)
    ? { action: 'noop', object: existing }
    : { action: 'write', object };
}

/** updateStatus: status from `input`; everything else as stored. */
export function prepareUpdateStatus(
  def: KindDefinition,
  existing: AnyResource,
  input: AnyResource,
): WritePlan {
  if (!def.hasStatus) throw badRequest(`${def.kind} has no status`);
  const meta = requireMetadata(input);
  checkPreconditions(
    existing,
    meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion },
  );
  const { status: _old, ...rest } = existing;
  const { resourceVersion: _rv, ...metadata } = existing.metadata;
  const object: AnyResource = { ...rest, metadata };
  if (input.status !== undefined) object.status = normalize(input.status);
  return unchanged(existing, object)
    ? { action: 'noop', object: existing }
    : { action: 'write', object };
}

/** delete: with finalizers, mark deleting (once); otherwise remove. */
export function prepareDelete(existing: AnyResource, opts: DeleteOptions, now: string): WritePlan {
  checkPreconditions(existing, opts);
  const { resourceVersion: _rv, ...metadata } = existing.metadata;
  if ((metadata.finalizers ?? []).length === 0) {
    return { action: 'remove', object: { ...existing, metadata } };
  }
  if (metadata.deletionTimestamp !== undefined) return { action: 'noop', object: existing };
  return {
    action: 'write',
    object: { ...existing, metadata: { ...metadata, deletionTimestamp: now } },
  };
}

/** What a dry run returns: the would-be object, at the revision it is still at. */
export function dryRunResult(existing: AnyResource | undefined, plan: WritePlan): AnyResource {
  const rv = existing?.metadata.resourceVersion;
  const { object } = plan;
  return rv === undefined
    ? object
    : { ...object, metadata: { ...object.metadata, resourceVersion: rv } };
}

/** The error a closed store answers with. */
export function storeClosed(): SlipwayError {
  return new SlipwayError(StatusReason.ServiceUnavailable, 'the store is closed');
}
