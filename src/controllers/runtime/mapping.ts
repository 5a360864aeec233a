// How events on other kinds become keys of a controller's own kind.
import type { AnyResource } from '../../api/meta.ts';
import type { InformerEventHandler } from './informer.ts';
import { objectKey } from './keys.ts';
import type { ObjectKey } from './types.ts';

/**
 * The key of `obj`'s controlling owner (the ownerReference with `controller: true`)
 * when that owner is of `ownerKind`, as controller-runtime's EnqueueRequestForOwner
 * with OnlyControllerOwner. A namespaced owner lives in its dependent's namespace.
 */
export function controllerOwnerKey(
  obj: AnyResource,
  ownerKind: string,
  ownerNamespaced: boolean,
): ObjectKey | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== ownerKind) return undefined;
  if (!ownerNamespaced) return ref.name;
  const namespace = obj.metadata.namespace;
  return namespace ? objectKey(namespace, ref.name) : undefined;
}

/**
 * An informer handler that enqueues the keys `mapToKeys` gives for each object. An
 * update enqueues the keys of both versions, so a changed owner or label reaches the
 * object that no longer matches as well as the one that now does.
 */
export function enqueueMapped<T extends AnyResource>(
  mapToKeys: (obj: T) => Iterable<ObjectKey | undefined>,
  enqueue: (key: ObjectKey) => void,
): InformerEventHandler<T> {
  const add = (...objs: T[]) => {
    const keys = new Set<ObjectKey>();
    for (const obj of objs) for (const key of mapToKeys(obj)) if (key) keys.add(key);
    for (const key of keys) enqueue(key);
  };
  return {
    onAdd: (obj) => add(obj),
    onUpdate: (oldObj, newObj) => add(oldObj, newObj),
    onDelete: (obj) => add(obj),
  };
}
