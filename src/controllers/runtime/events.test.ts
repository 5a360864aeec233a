import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Event } from '../../api/kinds/event.ts';
import { SystemNamespace } from '../../api/meta.ts';
import { cluster, ipPool } from '../../store/conformance/fixtures.ts';
import type { Store } from '../../store/types.ts';
import { eventName, EventRecorder } from './events.ts';
import { ManualTimers } from './manual-timers.ts';
import { openTempStore, type TempStore } from './test-support.ts';

const stores: TempStore[] = [];
after(() => Promise.all(stores.map((s) => s.cleanup())));

async function setup() {
  const temp = await openTempStore();
  stores.push(temp);
  const timers = new ManualTimers(Date.UTC(2026, 0, 1, 12, 0, 0));
  const recorder = new EventRecorder({
    store: temp.store,
    component: 'cluster-controller',
    clock: () => timers.date(),
  });
  return { store: temp.store, timers, recorder };
}

async function events(store: Store, namespace?: string): Promise<Event[]> {
  const { items } = await store.list<Event>('Event', namespace ? { namespace } : {});
  return items;
}

test('a repeated event is one Event with a count and the last time it happened', async () => {
  const { store, timers, recorder } = await setup();
  const c1 = await store.create(cluster('c1'));
  await recorder.normal(c1, 'ScalingUp', 'adding worker c1-w-2');
  await timers.advance(30_000);
  await recorder.normal(c1, 'ScalingUp', 'adding worker c1-w-2');
  await timers.advance(30_000);
  // Concurrent repeats queue up rather than conflict.
  await Promise.all([1, 2, 3].map(() => recorder.normal(c1, 'ScalingUp', 'adding worker c1-w-2')));
  const [event, ...others] = await events(store, 'team-a');
  assert.equal(others.length, 0);
  assert.ok(event);
  assert.equal(event.metadata.name, eventName(c1, 'Normal', 'ScalingUp', 'adding worker c1-w-2'));
  assert.match(event.metadata.name, /^c1\.[0-9a-f]{16}$/);
  assert.equal(event.count, 5);
  assert.equal(event.firstTimestamp, '2026-01-01T12:00:00Z');
  assert.equal(event.lastTimestamp, '2026-01-01T12:01:00Z');
  assert.deepEqual(event.involvedObject, {
    kind: 'ClusterDeployment',
    name: 'c1',
    namespace: 'team-a',
    uid: c1.metadata.uid,
  });
  assert.deepEqual(event.source, { component: 'cluster-controller' });
  assert.equal(event.type, 'Normal');
  assert.equal(event.metadata.ownerReferences?.[0]?.uid, c1.metadata.uid);
});

test('a different type, reason or message is a different Event', async () => {
  const { store, recorder } = await setup();
  const c1 = await store.create(cluster('c1'));
  await recorder.normal(c1, 'Provisioning', 'creating 3 machines');
  await recorder.warning(c1, 'Provisioning', 'creating 3 machines');
  await recorder.normal(c1, 'Ready', 'creating 3 machines');
  await recorder.normal(c1, 'Provisioning', 'creating 4 machines');
  const found = await events(store, 'team-a');
  assert.equal(found.length, 4);
  assert.ok(found.every((e) => e.count === 1));
});

test('events of cluster-scoped objects go to the slipway-system namespace', async () => {
  const { store, recorder } = await setup();
  const pool = await store.create(ipPool('lab'));
  await recorder.warning(pool, 'PoolExhausted', 'no free address in 10.0.0.10-10.0.0.50');
  const [event] = await events(store, SystemNamespace);
  assert.equal(event?.involvedObject.name, 'lab');
  assert.equal(event?.involvedObject.namespace, undefined);
  assert.equal(event?.type, 'Warning');
});

test('a failing store is logged, never thrown at the reconciler', async () => {
  const { store } = await setup();
  const c1 = await store.create(cluster('c1'));
  const warnings: string[] = [];
  const fail = () => Promise.reject(new Error('disk full'));
  const broken = { get: fail, create: fail, update: fail } as unknown as Store;
  const recorder = new EventRecorder({
    store: broken,
    component: 'test',
    logger: {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (_obj, msg) => warnings.push(msg ?? ''),
    },
  });
  await recorder.normal(c1, 'Anything', 'happened');
  assert.deepEqual(warnings, ['could not record event']);
});

test('a burst per object and reason passes, then one event per refill interval', async () => {
  const { store, timers } = await setup();
  const recorder = new EventRecorder({
    store,
    component: 'test',
    clock: () => timers.date(),
    spamFilter: { burst: 3, refillMs: 60_000 },
  });
  const c1 = await store.create(cluster('c1'));
  for (let i = 0; i < 10; i++) await recorder.normal(c1, 'Waiting', `attempt ${i}`);
  assert.equal((await events(store, 'team-a')).length, 3);
  await recorder.normal(c1, 'Ready', 'cluster is ready'); // another reason has its own bucket
  assert.equal((await events(store, 'team-a')).length, 4);
  await timers.advance(60_000);
  await recorder.normal(c1, 'Waiting', 'attempt 10');
  await recorder.normal(c1, 'Waiting', 'attempt 11');
  assert.equal((await events(store, 'team-a')).length, 5);
});

test('long object names are cut so the Event name stays valid', () => {
  const name = `${'a'.repeat(240)}-${'b'.repeat(12)}`;
  const obj = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Machine',
    metadata: { name, namespace: 'x' },
  };
  const eventNameOf = eventName(obj, 'Normal', 'R', 'm');
  assert.ok(eventNameOf.length <= 253);
  assert.match(eventNameOf, /^a+\.[0-9a-f]{16}$/);
});
