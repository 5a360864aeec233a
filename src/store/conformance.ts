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

export function runStoreConformance({ newStore }: { newStore: NewStore }): void {
  suite('store conformance', () => {
    crudSuite(newStore);
    writeRulesSuite(newStore);
    listSuite(newStore);
    watchSuite(newStore);
    garbageCollectionSuite(newStore);
  });
}
