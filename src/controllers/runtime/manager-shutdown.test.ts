// Graceful shutdown and leadership: controllers run only while this process holds the
// data directory's lock, and stop cleanly.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { machine } from '../../store/conformance/fixtures.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { Manager } from './manager.ts';
import { newManager, recordingReconciler } from './manager-test-support.ts';
import { flushMicrotasks, ManualTimers } from './manual-timers.ts';
import { deferred, type TempStore } from './test-support.ts';

const stores: TempStore[] = [];
after(() => Promise.all(stores.map((s) => s.cleanup())));

test('stop() lets a reconcile in flight finish, without aborting it', async () => {
  const { store, manager } = await newManager(stores);
  await store.create(machine('m1'));
  const hold = deferred();
  let aborted: boolean | undefined;
  const r = recordingReconciler(async (_key, ctx) => {
    await hold.promise;
    aborted = ctx.signal.aborted;
    return {};
  });
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await r.calledTimes(1);
  let stopped = false;
  const stopping = manager.stop().then(() => (stopped = true));
  await store.create(machine('m2')); // informers are stopping: no new work
  await flushMicrotasks();
  assert.equal(stopped, false);
  hold.resolve();
  await stopping;
  assert.equal(aborted, false);
  assert.deepEqual(r.calls, ['team-a/m1']);
});

test('at the shutdown deadline the reconcile signal aborts and stop() returns', async () => {
  const { store, timers, manager } = await newManager(stores, { shutdownTimeoutMs: 30_000 });
  await store.create(machine('m1'));
  const sawAbort = deferred();
  let abortedAt: number | undefined;
  const r = recordingReconciler(
    (_key, ctx) =>
      new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          abortedAt = timers.now();
          sawAbort.resolve();
          reject(new Error('aborted'));
        });
      }),
  );
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await manager.start();
  await r.calledTimes(1);
  const stopping = manager.stop();
  await timers.waitForPending(1);
  const start = timers.now();
  await timers.advance(29_999);
  assert.equal(abortedAt, undefined);
  await timers.advance(1);
  await sawAbort.promise;
  assert.equal(abortedAt, start + 30_000);
  await stopping;
});

test('controllers run only in the process that holds the data directory lock', async () => {
  const first = await newManager(stores);
  const dataDir = first.dataDir;
  const secondStore = await openSqliteStore({ dataDir });
  const timers = new ManualTimers();
  const a = recordingReconciler();
  const b = recordingReconciler();
  first.manager = new Manager({
    store: first.store,
    timers: first.timers,
    leaderElector: new DataDirLock({ dataDir, timers: first.timers }),
  });
  first.manager.register({ name: 'machine', forKind: 'Machine', reconcile: a.reconcile });
  const second = new Manager({
    store: secondStore,
    timers,
    leaderElector: new DataDirLock({ dataDir, timers, pollIntervalMs: 1000 }),
  });
  second.register({ name: 'machine', forKind: 'Machine', reconcile: b.reconcile });

  await first.manager.start();
  let secondStarted = false;
  const secondStarting = second.start().then(() => (secondStarted = true));
  await first.store.create(machine('m1'));
  await a.calledTimes(1);
  await timers.waitForPending(1);
  assert.equal(secondStarted, false);
  assert.deepEqual(b.calls, []);

  await first.manager.stop();
  await timers.advance(1000);
  await secondStarting;
  await second.whenIdle();
  assert.deepEqual(b.calls, ['team-a/m1']);
  await second.stop();
  await secondStore.close();
});

test('losing the lock aborts reconciles in flight and stops the controllers', async () => {
  const { store, dataDir, timers } = await newManager(stores);
  const lock = new DataDirLock({ dataDir, timers, checkIntervalMs: 5000 });
  const lost = deferred();
  const manager = new Manager({
    store,
    timers,
    leaderElector: lock,
    onLeaderLost: () => lost.resolve(),
  });
  let signal: AbortSignal | undefined;
  const r = recordingReconciler((_key, ctx) => {
    signal = ctx.signal;
    return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({})));
  });
  manager.register({ name: 'machine', forKind: 'Machine', reconcile: r.reconcile });
  await store.create(machine('m1'));
  await manager.start();
  await r.calledTimes(1);
  await rm(lock.path);
  await timers.advance(5000);
  await lost.promise;
  assert.equal(signal?.aborted, true);
  await store.create(machine('m2'));
  await flushMicrotasks();
  assert.deepEqual(r.calls, ['team-a/m1']);
});

test('stop() before start, or during the wait for the lock, ends cleanly', async () => {
  const { store, dataDir, timers } = await newManager(stores);
  await new Manager({ store }).stop();
  const holder = new DataDirLock({ dataDir, timers });
  await holder.acquire();
  const waiting = new Manager({
    store,
    timers,
    leaderElector: new DataDirLock({ dataDir, timers }),
  });
  const starting = waiting.start();
  await timers.waitForPending(2);
  await waiting.stop();
  await assert.rejects(starting);
  await holder.release();
});
