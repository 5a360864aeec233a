// What the manager does with each outcome of a reconcile: requeueAfter, errors with
// backoff, terminal errors, and the periodic resync. Time is driven by hand.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { machine } from '../../store/conformance/fixtures.ts';
import { newManager, recordingReconciler } from './manager-test-support.ts';
import type { TempStore } from './test-support.ts';
import { TerminalError } from './types.ts';

const stores: TempStore[] = [];
after(() => Promise.all(stores.map((s) => s.cleanup())));

/** The value of one series in the text exposition, or undefined if absent. */
async function sample(metrics: { registry: { metrics(): Promise<string> } }, series: string) {
  const line = (await metrics.registry.metrics())
    .split('\n')
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('requeueAfter reconciles the key again after that delay', async () => {
  const { store, timers, manager } = await newManager(stores, { resyncPeriodMs: 0 });
  await store.create(machine('m1'));
  const r = recordingReconciler((_key, _ctx, call) => (call === 1 ? { requeueAfter: 5000 } : {}));
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  assert.equal(r.calls.length, 1);
  await timers.advance(4999);
  assert.equal(r.calls.length, 1);
  await timers.advance(1);
  await manager.whenIdle();
  assert.equal(r.calls.length, 2);
  await timers.advance(60 * 60_000);
  assert.equal(r.calls.length, 2, 'no requeue asked, resync off: nothing more');
  await manager.stop();
});

test('a failing reconcile is retried with growing backoff, reset by a success', async () => {
  const { store, timers, metrics, manager } = await newManager(stores, {
    resyncPeriodMs: 0,
    backoff: { baseMs: 1000, maxMs: 60_000 },
  });
  await store.create(machine('m1'));
  let failing = true;
  const r = recordingReconciler(() => {
    if (failing) throw new Error('hypervisor unreachable');
    return {};
  });
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  // random 0.5: half of 1 s, 2 s, 4 s.
  for (const [wait, calls] of [
    [500, 2],
    [1000, 3],
    [2000, 4],
  ] as const) {
    await timers.advance(wait - 1);
    assert.equal(r.calls.length, calls - 1, `not retried before ${wait} ms`);
    await timers.advance(1);
    await manager.whenIdle();
    assert.equal(r.calls.length, calls);
  }
  failing = false;
  await timers.advance(4000);
  await manager.whenIdle();
  assert.equal(r.calls.length, 5);
  assert.equal(manager.queueOf('machine')?.failures('team-a/m1'), 0);
  failing = true;
  await store.update({
    ...(await store.get('Machine', 'team-a', 'm1')),
    metadata: { name: 'm1', namespace: 'team-a', labels: { a: 'b' } },
  });
  await r.calledTimes(6);
  await manager.whenIdle();
  await timers.advance(499);
  assert.equal(r.calls.length, 6);
  await timers.advance(1);
  assert.equal(r.calls.length, 7, 'backoff starts over after a success');
  assert.equal(
    await sample(metrics, 'slipway_reconcile_total{controller="machine",result="error"}'),
    6,
  );
  assert.equal(
    await sample(metrics, 'slipway_reconcile_total{controller="machine",result="success"}'),
    1,
  );
  assert.equal(await sample(metrics, 'slipway_reconcile_errors_total{controller="machine"}'), 6);
  await manager.stop();
});

test('a TerminalError is not retried, and is counted', async () => {
  const { store, timers, metrics, manager } = await newManager(stores, { resyncPeriodMs: 0 });
  await store.create(machine('m1'));
  const r = recordingReconciler(() => {
    throw new TerminalError('InvalidTemplate', 'template "k3s" does not exist');
  });
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  await timers.advance(60 * 60_000);
  assert.equal(r.calls.length, 1);
  assert.equal(
    await sample(metrics, 'slipway_reconcile_total{controller="machine",result="terminal"}'),
    1,
  );
  assert.equal(await sample(metrics, 'slipway_reconcile_errors_total{controller="machine"}'), 1);
  assert.equal(await sample(metrics, 'slipway_workqueue_depth{controller="machine"}'), 0);
  // A change to the object is a new reason to look.
  await store.update({
    ...(await store.get('Machine', 'team-a', 'm1')),
    metadata: { name: 'm1', namespace: 'team-a', labels: { fixed: 'yes' } },
  });
  await r.calledTimes(2);
  await manager.stop();
});

test('every key is resynced after the period ± 10%, and only keys that still exist', async () => {
  let draw = 0;
  const { store, timers, manager } = await newManager(stores, { random: () => draw });
  await store.create(machine('m1'));
  await store.create(machine('m2'));
  const r = recordingReconciler();
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  assert.equal(r.calls.length, 2);
  // random 0 draws the low end: 10 min - 10% = 540 s.
  assert.deepEqual(timers.pendingDelays(), [540_000, 540_000]);
  await timers.advance(539_999);
  assert.equal(r.calls.length, 2);
  draw = 0.999_999;
  await timers.advance(1);
  await manager.whenIdle();
  assert.equal(r.count('team-a/m1'), 2);
  assert.equal(r.count('team-a/m2'), 2);
  const next = timers.pendingDelays();
  assert.equal(next.length, 2);
  for (const d of next) assert.ok(d > 600_000 && d <= 660_000, `${d} within the upper 10%`);
  // A deleted object is looked at once more (its deletion), then never again.
  await store.delete('Machine', 'team-a', 'm2');
  await r.calledTimes(5);
  await manager.whenIdle();
  await timers.advance(3 * 660_000);
  await manager.whenIdle();
  assert.ok(r.count('team-a/m2') <= 4, `m2 reconciled ${r.count('team-a/m2')} times`);
  assert.ok(r.count('team-a/m1') >= 5);
  await manager.stop();
});

test('a requeue within the resync period replaces the resync; a longer one does not', async () => {
  const { store, timers, manager } = await newManager(stores, { random: () => 0 });
  await store.create(machine('soon'));
  await store.create(machine('late'));
  const r = recordingReconciler((key) =>
    key.endsWith('/soon') ? { requeueAfter: 580_000 } : { requeueAfter: 3_600_000 },
  );
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await manager.whenIdle();
  // soon: its own 580 s only (a resync drawn at 540 s would pull it off its tick);
  // late: the resync at 540 s comes before its hour.
  await timers.advance(540_000);
  await manager.whenIdle();
  assert.equal(r.count('team-a/soon'), 1);
  assert.equal(r.count('team-a/late'), 2);
  await timers.advance(40_000);
  await manager.whenIdle();
  assert.equal(r.count('team-a/soon'), 2);
  await manager.stop();
});
