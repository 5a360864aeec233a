import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ApiVersion, type AnyResource } from '../../api/meta.ts';
import { cluster, ipPool, machine, ownerRef } from '../../store/conformance/fixtures.ts';
import { newManager, recordingReconciler } from './manager-test-support.ts';
import { flushMicrotasks } from './manual-timers.ts';
import type { TempStore } from './test-support.ts';

const stores: TempStore[] = [];
after(() => Promise.all(stores.map((s) => s.cleanup())));

function controllerRef(owner: AnyResource) {
  return { ...ownerRef(owner), controller: true };
}

test('reconciles every existing object once caches sync, then each change', async () => {
  const { store, manager } = await newManager(stores);
  await store.create(machine('m1'));
  await store.create(machine('m2', 'team-b'));
  const r = recordingReconciler();
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  assert.deepEqual(r.calls.sort(), ['team-a/m1', 'team-b/m2']);
  await store.create(machine('m3'));
  await r.calledTimes(3);
  assert.equal(r.calls[2], 'team-a/m3');
  await manager.stop();
});

test('owned objects enqueue their controller owner; other owner references do not', async () => {
  const { store, manager } = await newManager(stores);
  const c1 = await store.create(cluster('c1'));
  const c2 = await store.create(cluster('c2'));
  const m1 = await store.create({
    ...machine('m1'),
    metadata: { name: 'm1', namespace: 'team-a', ownerReferences: [controllerRef(c1)] },
  });
  const m2 = await store.create(machine('m2', 'team-a', { owners: [c2] })); // not controller
  const r = recordingReconciler();
  manager.register({
    name: 'cluster',
    forKind: 'ClusterDeployment',
    owns: ['Machine'],
    reconcile: r.reconcile,
  });
  await manager.start();
  await manager.whenIdle();
  r.calls.length = 0;
  // Machine events arrive in order: once c1's turn comes, m2's change has been seen.
  await store.update({ ...m2, metadata: { ...m2.metadata, labels: { touched: 'yes' } } });
  await store.update({ ...m1, metadata: { ...m1.metadata, labels: { touched: 'yes' } } });
  await r.calledTimes(1);
  await manager.whenIdle();
  assert.deepEqual(r.calls, ['team-a/c1']);
  await store.delete('Machine', 'team-a', 'm1');
  await r.calledTimes(2);
  assert.deepEqual(r.calls, ['team-a/c1', 'team-a/c1']);
  await manager.stop();
});

test('watched kinds enqueue the keys mapToKeys gives', async () => {
  const { store, manager } = await newManager(stores);
  await store.create(cluster('c1'));
  await store.create(cluster('c2'));
  const r = recordingReconciler();
  manager.register({
    name: 'cluster',
    forKind: 'ClusterDeployment',
    watches: [
      {
        kind: 'IPPool',
        mapToKeys: (pool) =>
          pool.metadata.labels?.['for'] ? [`team-a/${pool.metadata.labels['for']}`] : [],
      },
    ],
    reconcile: r.reconcile,
  });
  await manager.start();
  await manager.whenIdle();
  r.calls.length = 0;
  await store.create(ipPool('lab', { labels: { for: 'c2' } }));
  await r.calledTimes(1);
  await manager.whenIdle();
  assert.deepEqual(r.calls, ['team-a/c2']);
  await manager.stop();
});

test('controllers share one informer per kind', async () => {
  const { store, manager } = await newManager(stores);
  const a = recordingReconciler();
  const b = recordingReconciler();
  const c = recordingReconciler();
  manager.register({ name: 'a', forKind: 'Machine', reconcile: a.reconcile });
  manager.register({ name: 'b', forKind: 'Machine', reconcile: b.reconcile });
  manager.register({
    name: 'c',
    forKind: 'ClusterDeployment',
    owns: ['Machine'],
    reconcile: c.reconcile,
  });
  assert.equal(manager.informer('Machine'), manager.informer('Machine'));
  await manager.start();
  assert.deepEqual(store.listCalls.sort(), ['ClusterDeployment', 'Machine']);
  await store.create(machine('m1'));
  await a.calledTimes(1);
  await b.calledTimes(1);
  await manager.stop();
});

test('registration is checked: unknown kinds, duplicate names, after start', async () => {
  const { manager } = await newManager(stores);
  const r = recordingReconciler();
  assert.throws(
    () => manager.register({ name: 'x', forKind: 'Nope', reconcile: r.reconcile }),
    /unknown kind "Nope"/,
  );
  manager.register({ name: 'x', forKind: 'Machine', reconcile: r.reconcile });
  assert.throws(
    () => manager.register({ name: 'x', forKind: 'Machine', reconcile: r.reconcile }),
    /already registered/,
  );
  await manager.start();
  assert.throws(
    () => manager.register({ name: 'y', forKind: 'Machine', reconcile: r.reconcile }),
    /before the manager starts/,
  );
  await manager.stop();
});

test('the global concurrency flag caps reconciles across controllers', async () => {
  const { store, manager } = await newManager(stores, {
    maxConcurrentReconciles: 2,
    defaultConcurrency: 4,
  });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const r = recordingReconciler(() => gate.then(() => ({})));
  manager.register({ name: 'machines', forKind: 'Machine', reconcile: r.reconcile });
  manager.register({ name: 'clusters', forKind: 'ClusterDeployment', reconcile: r.reconcile });
  for (const n of ['a', 'b', 'c']) {
    await store.create(machine(n));
    await store.create(cluster(n));
  }
  await manager.start();
  await r.calledTimes(2);
  await flushMicrotasks();
  assert.equal(r.calls.length, 2);
  release();
  await manager.whenIdle();
  assert.equal(r.calls.length, 6);
  assert.equal(r.maxRunning, 2);
  await manager.stop();
});

test('objects in the shared cache are what reconcilers read', async () => {
  const { store, manager } = await newManager(stores);
  await store.create({
    apiVersion: ApiVersion,
    kind: 'IPPool',
    metadata: { name: 'p' },
    spec: { addresses: [], prefix: 24 },
  });
  const pools = manager.informer('IPPool');
  const r = recordingReconciler((key) => {
    assert.equal(pools.get(key)?.metadata.name, 'p');
    return {};
  });
  manager.register({ name: 'pools', forKind: 'IPPool', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  assert.deepEqual(r.calls, ['p']);
  await manager.stop();
});

test('ignoreStatusUpdates: a status-only update of its own kind queues no pass; other changes do', async () => {
  const { store, manager } = await newManager(stores);
  const m1 = await store.create(machine('m1'));
  const r = recordingReconciler();
  manager.register({
    name: 'machine',
    forKind: 'Machine',
    ignoreStatusUpdates: true,
    reconcile: r.reconcile,
  });
  await manager.start();
  await manager.whenIdle();
  r.calls.length = 0;
  const withStatus = await store.updateStatus({ ...m1, status: { phase: 'Running' } });
  // A later label change is queued behind the status event: once it is seen, so was that.
  await store.update({
    ...withStatus,
    metadata: { ...withStatus.metadata, labels: { touched: 'yes' } },
  });
  await r.calledTimes(1);
  await manager.whenIdle();
  assert.deepEqual(r.calls, ['team-a/m1'], 'one pass, for the label change');
  await manager.stop();
});
