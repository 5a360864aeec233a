// Small store idioms every controller uses: a get that answers undefined for NotFound,
// finalizers, controller owner references and the labels Slipway puts on what it makes.
import { isSlipwayError, StatusReason } from '../api/errors.ts';
import { ApiVersion, type AnyResource, type OwnerReference } from '../api/meta.ts';
import type { Store } from '../store/types.ts';

/** Labels Slipway sets on the objects it creates for a cluster. */
export const Labels = {
  /** Name of the ClusterDeployment a Machine (or Secret) belongs to. */
  cluster: 'slipway.dev/cluster',
  /** `control-plane` or `worker`. */
  role: 'slipway.dev/role',
  /** On an IPAddress: the IPPool its address comes from. */
  ipPool: 'slipway.dev/ip-pool',
} as const;

/** Annotations users (or Slipway) set to steer controllers. */
export const Annotations = {
  /** On a Machine: remove this one first when scaling down. */
  deleteMachine: 'slipway.dev/delete-machine',
} as const;

/** The object, or undefined when it does not exist. Other errors propagate. */
export async function getIfExists<T extends AnyResource>(
  store: Store,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> {
  try {
    return await store.get<T>(kind, namespace, name);
  } catch (err: unknown) {
    if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
    throw err;
  }
}

/** Delete; an object that is already gone counts as deleted. */
export async function deleteIfExists(
  store: Store,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<void> {
  try {
    await store.delete(kind, namespace, name);
  } catch (err: unknown) {
    if (isSlipwayError(err, StatusReason.NotFound)) return;
    throw err;
  }
}

/** Create; when an object of that name exists already, answer it instead. */
export async function createOrGet<T extends AnyResource>(store: Store, obj: T): Promise<T> {
  try {
    return await store.create(obj);
  } catch (err: unknown) {
    if (!isSlipwayError(err, StatusReason.AlreadyExists)) throw err;
    return store.get<T>(obj.kind, obj.metadata.namespace, obj.metadata.name);
  }
}

export function hasFinalizer(obj: AnyResource, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Add the finalizer (one update) unless present; answers the object as stored. */
export async function ensureFinalizer<T extends AnyResource>(
  store: Store,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const finalizers = [...(obj.metadata.finalizers ?? []), finalizer];
  return store.update<T>({ ...obj, metadata: { ...obj.metadata, finalizers } });
}

/** Remove the finalizer; the store removes an object being deleted with its last finalizer. */
export async function removeFinalizer<T extends AnyResource>(
  store: Store,
  obj: T,
  finalizer: string,
): Promise<void> {
  if (!hasFinalizer(obj, finalizer)) return;
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  try {
    await store.update<T>({ ...obj, metadata: { ...obj.metadata, finalizers } });
  } catch (err: unknown) {
    if (isSlipwayError(err, StatusReason.NotFound)) return;
    throw err;
  }
}

/** A controller owner reference to `owner` (which must have been stored: it needs a uid). */
export function controllerReference(owner: AnyResource): OwnerReference {
  const uid = owner.metadata.uid;
  if (!uid) throw new Error(`${owner.kind} ${owner.metadata.name} has no uid`);
  return {
    apiVersion: owner.apiVersion || ApiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj` names `owner` (by uid) as its controller. */
export function isControlledBy(obj: AnyResource, owner: AnyResource): boolean {
  const uid = owner.metadata.uid;
  return (
    uid !== undefined &&
    (obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true)
  );
}

export function isDeleting(obj: AnyResource): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/** `namespace/name`, the work-queue key of a namespaced object. */
export function keyOf(obj: AnyResource): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name;
}

/** Split a work-queue key into namespace and name. */
export function parseKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash === -1) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
