// The store conformance suite: every backend runs it unchanged, e.g.
//
//   runStoreConformance({ newStore: async () => {
//     const store = await openEtcdStore(...);
//     return { store, cleanup: () => store.close() };
//   } });
//
// It registers node:test suites and uses only the Store interface (and the garbage
// collector, which is itself written against that interface).
import { crudSuite } from './conformance/crud.ts';
import { suite, type NewStore } from './conformance/fixtures.ts';
import { garbageCollectionSuite } from './conformance/garbage-collection.ts';
import { listSuite } from './conformance/list.ts';
import { watchSuite } from './conformance/watch.ts';
import { writeRulesSuite } from './conformance/writes.ts';

export type { NewStore, StoreHarness } from './conformance/fixtures.ts';

export interface StoreConformanceOptions {
  newStore: NewStore;
  /**
   * The backend keeps old versions (etcd), so every page of a paginated list is read at
   * the first page's revision. Without it (SQLite), later pages read current data.
   */
  snapshotPages?: boolean;
}

export function runStoreConformance({
  newStore,
  snapshotPages = false,
}: StoreConformanceOptions): void {
  suite('store conformance', () => {
    crudSuite(newStore);
    writeRulesSuite(newStore);
    listSuite(newStore, { snapshotPages });
    watchSuite(newStore);
    garbageCollectionSuite(newStore);
  });
}
