// A rate-limited work queue with the guarantees of client-go's workqueue:
// - a key waiting in the queue is held once, however often it is added (dedup);
// - a key is never processed by two workers at once: added while being processed, it is
//   marked dirty and queued again when the current pass ends;
// - failures back off per key (exponential, full jitter) until forget() resets them;
// - addAfter() holds a key back, keeping the earliest deadline if added twice;
// - at most `concurrency` keys are processed at once, and, with a shared limiter, at
//   most the limiter's permits across every queue that shares it.
// The queue runs its own workers: start(process) hands each key to `process`.
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { ConcurrencyLimiter } from './limiter.ts';
import { systemTimers, type RandomSource, type TimerHandle, type Timers } from './timers.ts';

export interface WorkQueueOptions {
  /** Keys processed at once by this queue. Default 1. */
  concurrency?: number;
  /** A limiter shared with other queues: a global cap on keys processed at once. */
  limiter?: ConcurrencyLimiter;
  backoff?: BackoffOptions;
  timers?: Timers;
  random?: RandomSource;
}

/**
 * Handles one key. Resolving means the pass is over (the handler itself decides on
 * forget/addAfter/addRateLimited); rejecting re-adds the key with backoff.
 */
export type ProcessKey = (key: string) => Promise<void>;

interface Delayed {
  due: number;
  handle: TimerHandle;
}

export class WorkQueue {
  readonly #concurrency: number;
  readonly #limiter: ConcurrencyLimiter | undefined;
  readonly #backoff: BackoffOptions;
  readonly #timers: Timers;
  readonly #random: RandomSource;
  /** Keys ready to process, in order; `#head` skips taken entries without shifting. */
  #ready: string[] = [];
  #head = 0;
  /** Keys that need processing: queued, or re-added while being processed. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #failures = new Map<string, number>();
  readonly #idleWaiters: (() => void)[] = [];
  #process: ProcessKey | undefined;
  #shuttingDown = false;
  readonly #pump = () => this.#dispatch();

  constructor(opts: WorkQueueOptions = {}) {
    this.#concurrency = opts.concurrency ?? 1;
    if (!(this.#concurrency >= 1)) {
      throw new RangeError(`concurrency must be at least 1, got ${this.#concurrency}`);
    }
    this.#limiter = opts.limiter;
    this.#backoff = opts.backoff ?? {};
    this.#timers = opts.timers ?? systemTimers;
    this.#random = opts.random ?? Math.random;
  }

  /** Keys waiting to be processed now (delayed and in-flight keys not counted). */
  get depth(): number {
    return this.#ready.length - this.#head;
  }

  /** Keys being processed. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys held back by addAfter or backoff. */
  get delayedCount(): number {
    return this.#delayed.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Begin handing keys to `process`. Keys added before start wait for it. */
  start(process: ProcessKey): void {
    if (this.#process) throw new Error('work queue already started');
    this.#process = process;
    this.#dispatch();
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // queued again when the current pass ends
    this.#ready.push(key);
    this.#dispatch();
  }

  /** Add `key` after `ms`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const due = this.#timers.now() + ms;
    const existing = this.#delayed.get(key);
    if (existing) {
      if (existing.due <= due) return;
      this.#timers.clearTimeout(existing.handle);
    }
    const handle = this.#timers.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { due, handle });
  }

  /** Count a failure of `key` and add it back after its backoff; returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const ms = backoffDelay(failures, this.#random, this.#backoff);
    this.addAfter(key, ms);
    return ms;
  }

  /** Reset the failure count of `key` (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Consecutive failures counted for `key`. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resolves when nothing is queued or in flight (delayed keys do not count). */
  whenIdle(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stop: accept nothing more, drop queued and delayed keys (a level-triggered
   * controller finds them again on its next start), and resolve once the keys in
   * flight have finished. Callers that cannot wait race it against a deadline.
   */
  shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { handle } of this.#delayed.values()) this.#timers.clearTimeout(handle);
    this.#delayed.clear();
    this.#ready = [];
    this.#head = 0;
    for (const key of [...this.#dirty]) if (!this.#processing.has(key)) this.#dirty.delete(key);
    this.#notifyIdle();
    return this.whenIdle();
  }

  #idle(): boolean {
    return this.depth === 0 && this.#processing.size === 0;
  }

  #notifyIdle(): void {
    if (this.#idle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #dispatch(): void {
    const process = this.#process;
    if (!process) return;
    while (!this.#shuttingDown && this.depth > 0 && this.#processing.size < this.#concurrency) {
      if (this.#limiter && !this.#limiter.tryAcquire()) {
        this.#limiter.whenAvailable(this.#pump);
        return;
      }
      const key = this.#take();
      this.#dirty.delete(key);
      this.#processing.add(key);
      void this.#run(process, key);
    }
  }

  #take(): string {
    const key = this.#ready[this.#head++] as string;
    if (this.#head > 1024 && this.#head * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
    return key;
  }

  async #run(process: ProcessKey, key: string): Promise<void> {
    try {
      await process(key);
    } catch {
      // The handler should decide itself; a rejection is a failure all the same.
      this.addRateLimited(key);
    } finally {
      this.#processing.delete(key);
      this.#limiter?.release();
      if (this.#dirty.has(key)) {
        if (this.#shuttingDown) this.#dirty.delete(key);
        else this.#ready.push(key);
      }
      this.#dispatch();
      this.#notifyIdle();
    }
  }
}
