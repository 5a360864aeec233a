// Waiting between attempts: exponential backoff with jitter, and a sleep that an
// AbortSignal cuts short. Both are injectable so tests run without real delays.

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The default Sleep, on a real timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Why a signal aborted, as an Error to throw: the signal's own reason when it is one
 * (normally a DOMException named AbortError), else an AbortError carrying it as cause.
 */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new DOMException('The operation was aborted', 'AbortError'), {
    cause: reason,
  });
}

export interface BackoffOptions {
  /** First delay, default 500 ms. */
  baseMs?: number;
  /** Largest delay, default 10 s. */
  maxMs?: number;
  /** Random number in [0, 1), default Math.random. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): base·2^attempt capped
 * at max, then a random 50–100 % of that, so many clients that failed together do not
 * come back together.
 *
 * @example
 * backoffDelay(2, { baseMs: 500 }) // between 1000 and 2000
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
