// A Store that times every call into slipway_store_operation_duration_seconds. It wraps
// any backend and changes nothing else: results and errors pass through as they are.
import type { AnyResource } from '../api/meta.ts';
import type { Store } from '../store/types.ts';
import { secondsSince, type Metrics } from './registry.ts';

/** `store` with each call timed by operation and kind (`*` when a call spans kinds). */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const histogram = metrics.storeOperationDuration;
  async function timed<T>(operation: string, kind: string, call: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await call();
    } finally {
      histogram.observe({ operation, kind }, secondsSince(start));
    }
  }
  return {
    create: <T extends AnyResource>(obj: T, opts?: Parameters<Store['create']>[1]) =>
      timed('create', obj.kind, () => store.create(obj, opts)),
    get: <T extends AnyResource>(kind: string, namespace: string | undefined, name: string) =>
      timed('get', kind, () => store.get<T>(kind, namespace, name)),
    list: <T extends AnyResource>(kind: string, opts?: Parameters<Store['list']>[1]) =>
      timed('list', kind, () => store.list<T>(kind, opts)),
    update: <T extends AnyResource>(obj: T, opts?: Parameters<Store['update']>[1]) =>
      timed('update', obj.kind, () => store.update(obj, opts)),
    updateStatus: <T extends AnyResource>(obj: T, opts?: Parameters<Store['updateStatus']>[1]) =>
      timed('updateStatus', obj.kind, () => store.updateStatus(obj, opts)),
    delete: <T extends AnyResource>(
      kind: string,
      namespace: string | undefined,
      name: string,
      opts?: Parameters<Store['delete']>[3],
    ) => timed('delete', kind, () => store.delete<T>(kind, namespace, name, opts)),
    // Opening the watch is timed; the stream it returns is the backend's own.
    watch: <T extends AnyResource>(opts: Parameters<Store['watch']>[0]) =>
      timed('watch', opts.kind ?? '*', () => store.watch<T>(opts)),
    currentRevision: () => timed('currentRevision', '*', () => store.currentRevision()),
    compact: (revision: string) => timed('compact', '*', () => store.compact(revision)),
    close: () => store.close(),
  };
}
