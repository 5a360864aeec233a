import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SlipwayError, StatusReason } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import { cluster, machine, ownerRef } from '../../store/conformance/fixtures.ts';
import { Informer } from './informer.ts';
import { ManualTimers } from './manual-timers.ts';
import { openTempStore, Signal, SteeredStore, type TempStore } from './test-support.ts';

const stores: TempStore[] = [];
after(() => Promise.all(stores.map((s) => s.cleanup())));

async function setup() {
  const temp = await openTempStore();
  stores.push(temp);
  const store = new SteeredStore(temp.store);
  const timers = new ManualTimers();
  const informer = new Informer({ store, kind: 'Machine', timers, random: () => 0.5 });
  const events: string[] = [];
  const seen = new Signal();
  informer.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name}`),
    onUpdate: (prev, o) =>
      events.push(
        `update ${o.metadata.name} ${prev.metadata.resourceVersion}->${o.metadata.resourceVersion}`,
      ),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  informer.addEventHandler({
    onAdd: () => seen.check(),
    onUpdate: () => seen.check(),
    onDelete: () => seen.check(),
  });
  return { store, inner: temp.store, timers, informer, events, seen };
}

test('lists into the cache, reports existing objects as added, then follows the watch', async () => {
  const { store, informer, events, seen } = await setup();
  await store.create(machine('m1'));
  await store.create(cluster('c1')); // another kind: not ours
  assert.equal(informer.hasSynced(), false);
  informer.start();
  await informer.waitForSync();
  assert.equal(informer.hasSynced(), true);
  assert.deepEqual(events, ['add m1']);
  assert.deepEqual(informer.keys(), ['team-a/m1']);

  const m2 = await store.create(machine('m2'));
  await seen.until(() => events.length === 2);
  const updated = await store.update({ ...m2, metadata: { ...m2.metadata, labels: { x: '1' } } });
  await seen.until(() => events.length === 3);
  await store.delete('Machine', 'team-a', 'm1');
  await seen.until(() => events.length === 4);
  assert.deepEqual(events, [
    'add m1',
    'add m2',
    `update m2 ${m2.metadata.resourceVersion}->${updated.metadata.resourceVersion}`,
    'delete m1',
  ]);
  assert.equal(informer.get('team-a/m2')?.metadata.labels?.['x'], '1');
  assert.equal(informer.has('team-a/m1'), false);
  assert.equal(informer.revision, await store.currentRevision());
  await informer.stop();
});

test('indexes by namespace, owner uid and label follow changes', async () => {
  const { store, informer, events, seen } = await setup();
  const owner = await store.create(cluster('c1'));
  await store.create(machine('m1', 'team-a', { labels: { role: 'worker' }, owners: [owner] }));
  await store.create(machine('m2', 'team-b', { labels: { role: 'worker' } }));
  informer.start();
  await informer.waitForSync();
  const names = (objs: AnyResource[]) => objs.map((o) => o.metadata.name).sort();
  assert.deepEqual(names(informer.byNamespace('team-a')), ['m1']);
  assert.deepEqual(names(informer.byNamespace('team-b')), ['m2']);
  assert.deepEqual(names(informer.byOwner(owner.metadata.uid ?? '')), ['m1']);
  assert.deepEqual(names(informer.byLabel('role', 'worker')), ['m1', 'm2']);
  assert.deepEqual(informer.byLabel('role', 'control-plane'), []);

  const m2 = informer.get('team-b/m2');
  assert.ok(m2);
  await store.update({
    ...m2,
    metadata: {
      ...m2.metadata,
      labels: { role: 'control-plane' },
      ownerReferences: [ownerRef(owner)],
    },
  });
  await store.delete('Machine', 'team-a', 'm1');
  await seen.until(() => events.length === 4);
  assert.deepEqual(names(informer.byLabel('role', 'worker')), []);
  assert.deepEqual(names(informer.byLabel('role', 'control-plane')), ['m2']);
  assert.deepEqual(names(informer.byOwner(owner.metadata.uid ?? '')), ['m2']);
  assert.deepEqual(informer.byNamespace('team-a'), []);
  await informer.stop();
});

test('cached objects are frozen: readers clone to change', async () => {
  const { store, informer } = await setup();
  await store.create(machine('m1', 'team-a', { labels: { a: 'b' } }));
  informer.start();
  await informer.waitForSync();
  const m1 = informer.get('team-a/m1');
  assert.ok(m1);
  assert.throws(() => {
    (m1.metadata.labels as Record<string, string>)['a'] = 'c';
  }, TypeError);
  const copy = structuredClone(m1);
  (copy.metadata.labels as Record<string, string>)['a'] = 'c';
  assert.equal(informer.get('team-a/m1')?.metadata.labels?.['a'], 'b');
  await informer.stop();
});

test('a handler added after sync first hears of every cached object', async () => {
  const { store, informer } = await setup();
  await store.create(machine('m1'));
  await store.create(machine('m2'));
  informer.start();
  await informer.waitForSync();
  const late: string[] = [];
  informer.addEventHandler({ onAdd: (o) => late.push(o.metadata.name) });
  assert.deepEqual(late.sort(), ['m1', 'm2']);
  await informer.stop();
});

test('resumes from the last revision seen when the watch ends, missing nothing', async () => {
  const { store, informer, events, seen } = await setup();
  informer.start();
  await informer.waitForSync();
  const m1 = await store.create(machine('m1'));
  await seen.until(() => events.length === 1);
  assert.equal(store.watches.length, 1);
  // The store ends the stream (as it does for a watcher that fell behind); writes made
  // before the informer watches again must still arrive.
  store.watches[0]?.close();
  await store.create(machine('m2'));
  await store.opened.until(() => store.watches.length === 2);
  await seen.until(() => events.length === 2);
  assert.deepEqual(events, ['add m1', 'add m2']);
  assert.equal(store.watchCalls[1]?.resourceVersion, m1.metadata.resourceVersion);
  assert.equal(store.listCalls.length, 1, 'no relist for a resumable watch');
  await informer.stop();
});

test('backs off while the watch keeps failing, then resumes', async () => {
  const { store, timers, informer, events, seen } = await setup();
  informer.start();
  await informer.waitForSync();
  await store.opened.until(() => store.watches.length === 1);
  store.failWatch = new SlipwayError(StatusReason.ServiceUnavailable, 'etcd is down');
  store.watches[0]?.close();
  // The informer watches again at once; then each failure backs off: random 0.5 of a
  // window of 100 ms, then 200, then 400.
  await store.opened.until(() => store.watchCalls.length === 2);
  await timers.advance(0);
  assert.deepEqual(timers.pendingDelays(), [50]);
  await timers.advance(50);
  assert.equal(store.watchCalls.length, 3);
  assert.deepEqual(timers.pendingDelays(), [100]);
  await timers.advance(100);
  assert.equal(store.watchCalls.length, 4);
  assert.deepEqual(timers.pendingDelays(), [200]);
  store.failWatch = undefined;
  await store.create(machine('m1'));
  await timers.advance(199);
  assert.equal(store.watchCalls.length, 4);
  await timers.advance(1);
  await seen.until(() => events.length === 1);
  assert.deepEqual(events, ['add m1']);
  await informer.stop();
});

test('relists after 410 Gone and reports what changed meanwhile as events', async () => {
  const { store, inner, informer, events, seen } = await setup();
  await store.create(machine('keep'));
  const change = await store.create(machine('change'));
  await store.create(machine('vanish'));
  informer.start();
  await informer.waitForSync();
  events.length = 0;
  await store.opened.until(() => store.watches.length === 1);

  // Hold the next watch while the world moves on and history is compacted.
  let release: () => void = () => {};
  store.gate = new Promise((resolve) => (release = resolve));
  store.watches[0]?.close();
  await store.opened.until(() => store.watchCalls.length === 2);
  const changed = await store.update({
    ...change,
    metadata: { ...change.metadata, labels: { v: '2' } },
  });
  await store.delete('Machine', 'team-a', 'vanish');
  await store.create(machine('appear'));
  await inner.compact(await inner.currentRevision());
  store.gate = undefined;
  release();

  await seen.until(() => events.length === 3);
  assert.deepEqual(events.sort(), [
    'add appear',
    'delete vanish',
    `update change ${change.metadata.resourceVersion}->${changed.metadata.resourceVersion}`,
  ]);
  assert.equal(store.listCalls.length, 2, 'relisted once');
  assert.deepEqual(informer.keys().sort(), ['team-a/appear', 'team-a/change', 'team-a/keep']);
  // And it watches on from the new list.
  await store.create(machine('later'));
  await seen.until(() => events.length === 4);
  await informer.stop();
});

test('a write between the list and the watch is not missed', async () => {
  const { store, informer, events, seen } = await setup();
  let release: () => void = () => {};
  store.gate = new Promise((resolve) => (release = resolve));
  informer.start();
  await informer.waitForSync();
  const listedAt = informer.revision;
  await store.create(machine('m1'));
  store.gate = undefined;
  release();
  await seen.until(() => events.length === 1);
  assert.deepEqual(events, ['add m1']);
  assert.equal(store.watchCalls[0]?.resourceVersion, listedAt);
  await informer.stop();
});

test('stop() ends the loop and fails a pending waitForSync', async () => {
  const { store, informer } = await setup();
  store.gate = new Promise(() => {}); // never opens
  const sync = informer.waitForSync();
  informer.start();
  await informer.stop();
  await assert.rejects(sync, /stopped/);
});
