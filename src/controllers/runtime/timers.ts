// Time, injected: the runtime never reads the wall clock or starts a timer except
// through a Timers object, so tests drive time by hand (see manual-timers.ts).

/** An opaque handle returned by `setTimeout`. */
export type TimerHandle = unknown;

export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Real time. Timers are unref'd: a pending retry or resync never keeps the process
 * alive on its own (the server's listening socket does that).
 */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A source of uniformly distributed numbers in [0, 1); injected for jitter. */
export type RandomSource = () => number;

/**
 * A delay that resolves after `ms`, or at once when `signal` aborts (it never
 * rejects), so loops that back off can stop without waiting for their timer.
 */
export function delay(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      timers.clearTimeout(handle);
      resolve();
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
