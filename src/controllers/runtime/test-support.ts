// Helpers for the runtime's tests (and the tests of controllers built on it): a real
// SQLite store in a temporary directory, a store whose watches the test can steer, and
// promises to await instead of sleeping.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyResource } from '../../api/meta.ts';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store, Watch, WatchOptions } from '../../store/types.ts';

export interface TempStore {
  store: SqliteStore;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A fresh SQLite store in its own temporary directory. */
export async function openTempStore(prefix = 'slipway-runtime-'): Promise<TempStore> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const store = await openSqliteStore({ dataDir });
  return {
    store,
    dataDir,
    async cleanup() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A promise resolved the first time `predicate` holds, checked each time `check()` is
 * called (from a handler or reconciler the test controls).
 */
export class Signal {
  readonly #waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  until(predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  check(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (w?.predicate()) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** A store passing everything through, whose watches the test can see, end and hold. */
export class SteeredStore implements Store {
  readonly inner: Store;
  readonly watchCalls: WatchOptions[] = [];
  readonly watches: Watch[] = [];
  readonly listCalls: string[] = [];
  /** While set, opening a watch waits for it. */
  gate: Promise<void> | undefined;
  /** While set, opening a watch fails with it. */
  failWatch: Error | undefined;
  readonly opened = new Signal();

  constructor(inner: Store) {
    this.inner = inner;
  }

  async watch<T extends AnyResource>(opts: WatchOptions): Promise<Watch<T>> {
    this.watchCalls.push(opts);
    this.opened.check();
    if (this.gate) await this.gate;
    if (this.failWatch) throw this.failWatch;
    const watch = await this.inner.watch<T>(opts);
    this.watches.push(watch);
    this.opened.check();
    return watch;
  }

  list: Store['list'] = (kind, opts) => {
    this.listCalls.push(kind);
    return this.inner.list(kind, opts);
  };
  create: Store['create'] = (obj, opts) => this.inner.create(obj, opts);
  get: Store['get'] = (kind, ns, name) => this.inner.get(kind, ns, name);
  update: Store['update'] = (obj, opts) => this.inner.update(obj, opts);
  updateStatus: Store['updateStatus'] = (obj, opts) => this.inner.updateStatus(obj, opts);
  delete: Store['delete'] = (kind, ns, name, opts) => this.inner.delete(kind, ns, name, opts);
  currentRevision: Store['currentRevision'] = () => this.inner.currentRevision();
  compact: Store['compact'] = (rev) => this.inner.compact(rev);
  close: Store['close'] = () => this.inner.close();
}
