// Conformance: owner-reference garbage collection through the Store interface, so every
// backend shows the same cascade behaviour.
import assert from 'node:assert/strict';
import { gone } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import { kinds } from '../../api/registry.ts';
import { GarbageCollector } from '../garbage-collector.ts';
import type { Store, Watch, WatchEvent } from '../types.ts';
import {
  cluster,
  exists,
  ipAddress,
  ipPool,
  machine,
  withStore,
  type NewStore,
  check,
  suite,
} from './fixtures.ts';

async function withGc(store: Store, fn: (gc: GarbageCollector) => Promise<void>): Promise<void> {
  const gc = new GarbageCollector({ store, kinds, retryDelayMs: 10 });
  await gc.start();
  try {
    await fn(gc);
  } finally {
    await gc.stop();
  }
}

async function dropFinalizers(store: Store, obj: AnyResource): Promise<void> {
  const current = await store.get(obj.kind, obj.metadata.namespace, obj.metadata.name);
  await store.update({ ...current, metadata: { ...current.metadata, finalizers: [] } });
}

/** A store whose first watch fails with 410 Gone, as after a compaction. */
function storeWithExpiredWatch(store: Store): Store {
  let failed = false;
  const expired: Watch = {
    close: () => {},
    [Symbol.asyncIterator]: () => ({
      next: (): Promise<IteratorResult<WatchEvent>> =>
        Promise.reject(gone('too old resource version')),
    }),
  };
  return {
    create: (obj, opts) => store.create(obj, opts),
    get: (kind, namespace, name) => store.get(kind, namespace, name),
    list: (kind, opts) => store.list(kind, opts),
    update: (obj, opts) => store.update(obj, opts),
    updateStatus: (obj, opts) => store.updateStatus(obj, opts),
    delete: (kind, namespace, name, opts) => store.delete(kind, namespace, name, opts),
    currentRevision: () => store.currentRevision(),
    compact: (revision) => store.compact(revision),
    close: () => store.close(),
    watch: <T extends AnyResource>(opts: Parameters<Store['watch']>[0]) => {
      if (failed) return store.watch<T>(opts);
      failed = true;
      return Promise.resolve(expired as unknown as Watch<T>);
    },
  };
}

export function garbageCollectionSuite(newStore: NewStore): void {
  suite('garbage collection', () => {
    check('deleting an owner deletes its dependents, level by level', () =>
      withStore(newStore, (store) =>
        withGc(store, async (gc) => {
          const cd = await store.create(cluster('c1'));
          const m1 = await store.create(machine('m1', 'team-a', { owners: [cd] }));
          const m2 = await store.create(machine('m2', 'team-a', { owners: [cd] }));
          const addr = await store.create(ipAddress('a1', 'team-a', { owners: [m1] }));
          const bystander = await store.create(machine('m3'));
          await gc.settled();
          assert.ok(await exists(store, m1));
          await store.delete('ClusterDeployment', 'team-a', 'c1');
          await gc.settled();
          for (const o of [m1, m2, addr])
            assert.equal(await exists(store, o), false, o.metadata.name);
          assert.ok(await exists(store, bystander));
        }),
      ),
    );

    check('a dependent with several owners goes with the last of them', () =>
      withStore(newStore, (store) =>
        withGc(store, async (gc) => {
          const a = await store.create(cluster('a'));
          const b = await store.create(cluster('b'));
          const shared = await store.create(machine('shared', 'team-a', { owners: [a, b] }));
          await store.delete('ClusterDeployment', 'team-a', 'a');
          await gc.settled();
          assert.ok(await exists(store, shared));
          await store.delete('ClusterDeployment', 'team-a', 'b');
          await gc.settled();
          assert.equal(await exists(store, shared), false);
        }),
      ),
    );

    check('dependents with finalizers wait for them, then cascade further', () =>
      withStore(newStore, (store) =>
        withGc(store, async (gc) => {
          const cd = await store.create(cluster('c1'));
          const m1 = await store.create(
            machine('m1', 'team-a', { owners: [cd], finalizers: ['slipway.dev/vm'] }),
          );
          const addr = await store.create(ipAddress('a1', 'team-a', { owners: [m1] }));
          await store.delete('ClusterDeployment', 'team-a', 'c1');
          await gc.settled();
          const deleting = await store.get('Machine', 'team-a', 'm1');
          assert.ok(deleting.metadata.deletionTimestamp);
          assert.ok(await exists(store, addr));
          await dropFinalizers(store, m1);
          await gc.settled();
          assert.equal(await exists(store, m1), false);
          assert.equal(await exists(store, addr), false);
        }),
      ),
    );

    check('an owner being deleted keeps its dependents until it is gone', () =>
      withStore(newStore, (store) =>
        withGc(store, async (gc) => {
          const cd = await store.create(
            cluster('c1', 'team-a', { finalizers: ['slipway.dev/cleanup'] }),
          );
          const m1 = await store.create(machine('m1', 'team-a', { owners: [cd] }));
          await store.delete('ClusterDeployment', 'team-a', 'c1');
          await gc.settled();
          assert.ok(await exists(store, m1));
          await dropFinalizers(store, cd);
          await gc.settled();
          assert.equal(await exists(store, m1), false);
        }),
      ),
    );

    check('cluster-scoped owners of namespaced dependents', () =>
      withStore(newStore, (store) =>
        withGc(store, async (gc) => {
          const pool = await store.create(ipPool('lab'));
          const a1 = await store.create(ipAddress('a1', 'team-a', { owners: [pool] }));
          const a2 = await store.create(ipAddress('a2', 'team-b', { owners: [pool] }));
          await store.delete('IPPool', undefined, 'lab');
          await gc.settled();
          assert.equal(await exists(store, a1), false);
          assert.equal(await exists(store, a2), false);
        }),
      ),
    );

    check('at start it sweeps dependents whose owners vanished meanwhile', () =>
      withStore(newStore, async (store) => {
        const gone1 = await store.create(cluster('gone'));
        const stays = await store.create(cluster('stays'));
        const replaced = await store.create(cluster('replaced'));
        const orphan = await store.create(machine('orphan', 'team-a', { owners: [gone1] }));
        const kept = await store.create(machine('kept', 'team-a', { owners: [stays] }));
        const stale = await store.create(machine('stale', 'team-a', { owners: [replaced] }));
        await store.delete('ClusterDeployment', 'team-a', 'gone');
        // Same name, new uid: the old owner is still gone.
        await store.delete('ClusterDeployment', 'team-a', 'replaced');
        await store.create(cluster('replaced'));
        await withGc(store, async (gc) => {
          await gc.settled();
          assert.equal(await exists(store, orphan), false);
          assert.equal(await exists(store, stale), false);
          assert.ok(await exists(store, kept));
        });
      }),
    );

    check('owners it cannot resolve keep their dependents', () =>
      withStore(newStore, (store) =>
        withGc(store, async (gc) => {
          const m = machine('m1');
          m.metadata.ownerReferences = [
            { apiVersion: 'other.io/v1', kind: 'Unknown', name: 'x', uid: 'u-1' },
          ];
          const created = await store.create(m);
          await gc.settled();
          assert.ok(await exists(store, created));
        }),
      ),
    );

    check('relists after 410 Gone and keeps collecting', () =>
      withStore(newStore, async (store) => {
        const cd = await store.create(cluster('c1'));
        const m1 = await store.create(machine('m1', 'team-a', { owners: [cd] }));
        await withGc(storeWithExpiredWatch(store), async (gc) => {
          await store.delete('ClusterDeployment', 'team-a', 'c1');
          await gc.settled();
          assert.equal(await exists(store, m1), false);
        });
      }),
    );

    check('settled() rejects once stopped', () =>
      withStore(newStore, async (store) => {
        const gc = new GarbageCollector({ store, kinds });
        await gc.start();
        await gc.stop();
        await assert.rejects(gc.settled(), /stopped/);
      }),
    );
  });
}
