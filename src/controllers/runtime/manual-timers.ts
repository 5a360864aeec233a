// Timers a test moves by hand: nothing fires until `advance` says time has passed.
// Exported for the tests of controllers built on this runtime.
import type { TimerHandle, Timers } from './timers.ts';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export class ManualTimers implements Timers {
  #now: number;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** The current time as a Date, for APIs that take a `() => Date` clock. */
  date(): Date {
    return new Date(this.#now);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#pending.set(id, { id, due: this.#now + Math.max(0, ms), fn });
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (w && this.#pending.size >= w.count) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as number);
  }

  /** How many timers are waiting to fire. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Resolves once at least `count` timers wait: for code that sets its timer after real
   * I/O (file system), which a flush of promise callbacks does not wait for.
   */
  waitForPending(count = 1): Promise<void> {
    if (this.#pending.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Delays (from now) of the timers waiting to fire, soonest first. */
  pendingDelays(): number[] {
    return [...this.#pending.values()].map((p) => p.due - this.#now).sort((a, b) => a - b);
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due, in order of due time
   * (and creation for ties). After each timer, pending promise callbacks run, so work a
   * timer starts can schedule further timers, which fire too if they fall due.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.#soonest();
      if (!next || next.due > target) break;
      this.#pending.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  #soonest(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.#pending.values()) {
      if (!best || p.due < best.due || (p.due === best.due && p.id < best.id)) best = p;
    }
    return best;
  }
}

/** Let every queued promise callback (and the ones they queue) run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
