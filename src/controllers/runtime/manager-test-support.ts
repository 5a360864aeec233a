// A manager over a real SQLite store with hand-driven time, and a reconciler that
// records its calls, for the manager's tests.
import { createMetrics } from '../../metrics/registry.ts';
import { Manager, type ManagerOptions } from './manager.ts';
import { ManualTimers } from './manual-timers.ts';
import { openTempStore, Signal, SteeredStore, type TempStore } from './test-support.ts';
import type { ObjectKey, Reconcile, ReconcileContext, ReconcileResult } from './types.ts';

export async function newManager(stores: TempStore[], opts: Partial<ManagerOptions> = {}) {
  const temp = await openTempStore();
  stores.push(temp);
  const store = new SteeredStore(temp.store);
  const timers = new ManualTimers();
  const metrics = createMetrics({ processMetrics: false });
  const manager = new Manager({ store, timers, random: () => 0.5, metrics, ...opts });
  return { store, timers, metrics, manager, dataDir: temp.dataDir };
}

export type ReconcileImpl = (
  key: ObjectKey,
  ctx: ReconcileContext,
  call: number,
) => Promise<ReconcileResult> | ReconcileResult;

/** A reconciler that records each call (key) and runs `impl` if given. */
export function recordingReconciler(impl?: ReconcileImpl) {
  const calls: ObjectKey[] = [];
  const progress = new Signal();
  let running = 0;
  let maxRunning = 0;
  const reconcile: Reconcile = async (ctx, key) => {
    calls.push(key);
    running++;
    maxRunning = Math.max(maxRunning, running);
    progress.check();
    try {
      return (await impl?.(key, ctx, calls.length)) ?? {};
    } finally {
      running--;
      progress.check();
    }
  };
  return {
    reconcile,
    calls,
    progress,
    get maxRunning() {
      return maxRunning;
    },
    count: (key: ObjectKey) => calls.filter((k) => k === key).length,
    /** Resolves once `n` calls have started. */
    calledTimes: (n: number) => progress.until(() => calls.length >= n),
  };
}
