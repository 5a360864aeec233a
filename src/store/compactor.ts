// Periodic compaction of watch history, as kube-apiserver does it: every interval,
// compact to the revision seen at the previous tick. Watchers therefore can resume from
// anything at most one interval old (and up to two), and the log stays bounded.
import { silentLogger, type StoreLogger } from './logger.ts';
import type { Store } from './types.ts';

export interface CompactorTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface CompactorOptions {
  store: Store;
  /** Default 5 minutes, kube-apiserver's --etcd-compaction-interval. */
  intervalMs?: number;
  logger?: StoreLogger;
  timers?: CompactorTimers;
}

const defaultTimers: CompactorTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class Compactor {
  readonly #store: Store;
  readonly #intervalMs: number;
  readonly #log: StoreLogger;
  readonly #timers: CompactorTimers;
  #handle: unknown;
  #previous: string | undefined;
  #running: Promise<void> | undefined;

  constructor(opts: CompactorOptions) {
    this.#store = opts.store;
    this.#intervalMs = opts.intervalMs ?? 5 * 60_000;
    this.#log = opts.logger ?? silentLogger;
    this.#timers = opts.timers ?? defaultTimers;
  }

  start(): void {
    if (this.#handle !== undefined) return;
    this.#handle = this.#timers.setInterval(() => void this.tick(), this.#intervalMs);
  }

  stop(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearInterval(this.#handle);
    this.#handle = undefined;
  }

  /** One round: compact to the previous tick's revision, remember the current one. */
  tick(): Promise<void> {
    // Ticks never overlap: a slow compaction makes the next tick wait for it.
    this.#running = (this.#running ?? Promise.resolve()).then(() => this.#compactOnce());
    return this.#running;
  }

  async #compactOnce(): Promise<void> {
    try {
      const current = await this.#store.currentRevision();
      const target = this.#previous;
      this.#previous = current;
      if (target !== undefined && target !== '0') {
        await this.#store.compact(target);
        this.#log.info({ revision: target }, 'compacted watch history');
      }
    } catch (err: unknown) {
      this.#log.warn({ err }, 'compaction failed; will retry next interval');
    }
  }
}
