// Reads of the kinds that every reconcile of a cluster looks up again — its template and
// credential — served from the informers' caches, as controller-runtime's cached client
// serves reads. At 1,000 settled clusters those lookups were a third of all store reads
// (two per lookup when the object lives in slipway-system: a NotFound in the cluster's
// namespace first). Everything else, and every write, goes to the store.
//
// A synced cache is taken at its word, NotFound included: it can lag a write by the time
// a watch event takes, and the controllers are queued again by that same event (the
// informer updates its cache before it calls handlers), as with controller-runtime.
import { notFound } from '../api/errors.ts';
import type { AnyResource } from '../api/meta.ts';
import type { Store } from '../store/types.ts';
import { objectKey } from './runtime/keys.ts';

/** The part of an Informer this needs. */
export interface ReadCache {
  hasSynced(): boolean;
  get(key: string): AnyResource | undefined;
}

/**
 * `store` with `get` of the given kinds answered from their caches once synced. Objects
 * from a cache are deep-frozen (runtime/object-cache.ts): callers must not change them.
 *
 * @example
 * const reads = withCachedReads(store, {
 *   ClusterTemplate: manager.informer('ClusterTemplate'),
 *   Credential: manager.informer('Credential'),
 * });
 */
export function withCachedReads(store: Store, caches: Readonly<Record<string, ReadCache>>): Store {
  return {
    create: (obj, opts) => store.create(obj, opts),
    get: <T extends AnyResource>(kind: string, namespace: string | undefined, name: string) => {
      const cache = caches[kind];
      if (!cache?.hasSynced()) return store.get<T>(kind, namespace, name);
      const found = cache.get(objectKey(namespace, name));
      return found ? Promise.resolve(found as T) : Promise.reject(notFound(kind, name));
    },
    list: (kind, opts) => store.list(kind, opts),
    update: (obj, opts) => store.update(obj, opts),
    updateStatus: (obj, opts) => store.updateStatus(obj, opts),
    delete: (kind, namespace, name, opts) => store.delete(kind, namespace, name, opts),
    watch: (opts) => store.watch(opts),
    currentRevision: () => store.currentRevision(),
    compact: (revision) => store.compact(revision),
    close: () => store.close(),
  };
}
