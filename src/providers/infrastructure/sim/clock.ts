// Time as the simulated hypervisor sees it. Injected, so tests move time forward by
// hand instead of sleeping, and benchmarks run on the real clock.

/** A timer callback; a returned promise is awaited by clocks that can (ManualClock). */
export type TimerCallback = () => void | Promise<void>;

export interface SimClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Call `callback` once, `delayMs` from now; returns a function that cancels it. */
  setTimer(delayMs: number, callback: TimerCallback): () => void;
}

// setTimeout takes a signed 32-bit delay; anything longer fires at once.
const maxTimerDelayMs = 2 ** 31 - 1;

/** The real clock. Timers are unref'd: a pending simulated event never keeps Node alive. */
export function systemClock(): SimClock {
  return {
    now: () => Date.now(),
    setTimer(delayMs, callback) {
      const handle = setTimeout(
        () => void callback(),
        Math.min(Math.max(0, delayMs), maxTimerDelayMs),
      );
      handle.unref();
      return () => clearTimeout(handle);
    },
  };
}

interface PendingTimer {
  id: number;
  at: number;
  callback: TimerCallback;
}

/**
 * A clock that only moves when told to. `advance` fires due timers in time order and
 * waits for the work they start, so a test can assert right after it.
 *
 * @example
 *   const clock = new ManualClock();
 *   const hv = await openSimHypervisor({ dataDir, registry, clock, profile: 'default' });
 *   await clock.advance(12_000); // the VM has booted
 */
export class ManualClock implements SimClock {
  #now: number;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: TimerCallback): () => void {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, delayMs), callback });
    return () => {
      this.#timers = this.#timers.filter((t) => t.id !== id);
    };
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > target) break;
      this.#timers = this.#timers.filter((t) => t.id !== next.id);
      this.#now = Math.max(this.#now, next.at);
      await next.callback();
    }
    this.#now = target;
  }

  #earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers) if (!best || t.at < best.at) best = t;
    return best;
  }
}

/** One timer for the earliest of a changing set of due times (re-armed, never stacked). */
export class EarliestTimer {
  readonly #clock: SimClock;
  readonly #callback: TimerCallback;
  #armed: { at: number; cancel: () => void } | undefined;

  constructor(clock: SimClock, callback: TimerCallback) {
    this.#clock = clock;
    this.#callback = callback;
  }

  /** Fire at `at` (epoch ms) instead of whatever was armed; undefined disarms. */
  arm(at: number | undefined): void {
    if (at === this.#armed?.at) return;
    this.cancel();
    if (at === undefined) return;
    const cancel = this.#clock.setTimer(at - this.#clock.now(), () => {
      if (this.#armed?.at === at) this.#armed = undefined;
      return this.#callback();
    });
    this.#armed = { at, cancel };
  }

  cancel(): void {
    this.#armed?.cancel();
    this.#armed = undefined;
  }
}
