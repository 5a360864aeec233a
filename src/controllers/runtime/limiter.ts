// A counting semaphore shared by work queues: caps how many reconciles run at once
// across every controller of a manager (the global concurrency flag).

export class ConcurrencyLimiter {
  readonly limit: number;
  #inUse = 0;
  readonly #waiters: (() => void)[] = [];

  /** `limit` permits; Infinity means no cap. */
  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be at least 1, got ${limit}`);
    this.limit = limit;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Take a permit if one is free. */
  tryAcquire(): boolean {
    if (this.#inUse >= this.limit) return false;
    this.#inUse++;
    return true;
  }

  release(): void {
    if (this.#inUse === 0) throw new Error('release() without a permit');
    this.#inUse--;
    // Wake the longest waiter; it calls tryAcquire again (and may find the permit taken).
    this.#waiters.shift()?.();
  }

  /** Call `wake` once, when a permit is next released (first come, first served). */
  whenAvailable(wake: () => void): void {
    if (!this.#waiters.includes(wake)) this.#waiters.push(wake);
  }
}
