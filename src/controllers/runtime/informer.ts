// An informer (after client-go's reflector + shared informer): lists one kind into an
// indexed cache, then watches from the list's revision and keeps the cache current.
// - A watch that ends or fails is resumed from the last revision seen, after a backoff
//   when it brought nothing (so a store that keeps refusing is not hammered).
// - A 410 Gone (history compacted) relists and reports the differences as events, so
//   handlers see every object that appeared, changed or vanished meanwhile.
// Handlers run synchronously and should only enqueue keys.
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import type { Store, Watch, WatchEvent } from '../../store/types.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { objectKeyOf } from './keys.ts';
import { silentLogger, type RuntimeLogger } from './logger.ts';
import { ObjectCache } from './object-cache.ts';
import { delay, systemTimers, type RandomSource, type Timers } from './timers.ts';
import type { ObjectKey } from './types.ts';

export interface InformerEventHandler<T extends AnyResource = AnyResource> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** Receives the last state known. */
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  store: Store;
  kind: string;
  logger?: RuntimeLogger;
  timers?: Timers;
  random?: RandomSource;
  /** Backoff between failed watches or lists. Default 100 ms up to 30 s. */
  backoff?: BackoffOptions;
}

export class Informer<T extends AnyResource = AnyResource> {
  readonly kind: string;
  readonly #store: Store;
  readonly #log: RuntimeLogger;
  readonly #timers: Timers;
  readonly #random: RandomSource;
  readonly #backoff: BackoffOptions;
  readonly #cache = new ObjectCache<T>();
  readonly #handlers = new Set<InformerEventHandler<T>>();
  readonly #stop = new AbortController();
  readonly #synced: Promise<void>;
  #markSynced: () => void = () => {};
  #failSync: (err: Error) => void = () => {};
  #hasSynced = false;
  /** Revision the cache reflects. */
  #revision = '0';
  #watch: Watch<T> | undefined;
  #loop: Promise<void> | undefined;

  constructor(opts: InformerOptions) {
    this.kind = opts.kind;
    this.#store = opts.store;
    this.#log = opts.logger ?? silentLogger;
    this.#timers = opts.timers ?? systemTimers;
    this.#random = opts.random ?? Math.random;
    this.#backoff = opts.backoff ?? { baseMs: 100, maxMs: 30_000 };
    this.#synced = new Promise<void>((resolve, reject) => {
      this.#markSynced = resolve;
      this.#failSync = reject;
    });
    this.#synced.catch(() => {}); // observed through waitForSync
  }

  /**
   * Add a handler. Once synced, it first receives onAdd for every cached object, as
   * client-go does for handlers added late. Returns a function that removes it.
   */
  addEventHandler(handler: InformerEventHandler<T>): () => void {
    this.#handlers.add(handler);
    if (this.#hasSynced) for (const obj of this.#cache.values()) this.#call(handler, 'onAdd', obj);
    return () => this.#handlers.delete(handler);
  }

  /** List, then watch, until stop(). Idempotent. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stop watching and wait for the loop to end. The cache keeps its last contents. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#watch?.close();
    this.#failSync(new Error(`informer for ${this.kind} stopped`));
    await this.#loop;
  }

  hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** Resolves after the first complete list; rejects if stopped (or `signal` aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.#synced;
    return Promise.race([
      this.#synced,
      new Promise<never>((_, reject) => {
        const fail = () => reject(new Error(`waiting for the ${this.kind} informer was aborted`));
        if (signal.aborted) fail();
        else signal.addEventListener('abort', fail, { once: true });
      }),
    ]);
  }

  /** The store revision the cache reflects. */
  get revision(): string {
    return this.#revision;
  }

  get(key: ObjectKey): T | undefined {
    return this.#cache.get(key);
  }

  has(key: ObjectKey): boolean {
    return this.#cache.has(key);
  }

  list(): T[] {
    return this.#cache.values();
  }

  keys(): ObjectKey[] {
    return this.#cache.keys();
  }

  byNamespace(namespace: string): T[] {
    return this.#cache.byNamespace(namespace);
  }

  byOwner(uid: string): T[] {
    return this.#cache.byOwner(uid);
  }

  byLabel(key: string, value: string): T[] {
    return this.#cache.byLabel(key, value);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    /** Consecutive rounds that made no progress; they set the backoff. */
    let failures = 0;
    let relist = true;
    while (!signal.aborted) {
      let progressed = false;
      try {
        if (relist) {
          await untilAborted(this.#relist(), signal);
          relist = false;
          progressed = true;
        }
        this.#watch = await untilAborted(this.#openWatch(), signal, (w) => w.close());
        if (!this.#watch) break;
        for await (const event of this.#watch) {
          this.#apply(event);
          progressed = true;
        }
      } catch (err: unknown) {
        if (signal.aborted) break;
        if (isSlipwayError(err, StatusReason.Gone)) {
          // The store answered; only our revision is too old. Relist at once.
          this.#log.info({ kind: this.kind, err }, 'watch history compacted; relisting');
          relist = true;
          progressed = true;
        } else {
          this.#log.warn(
            { kind: this.kind, err, failures: failures + 1 },
            'watch failed; resuming',
          );
        }
      } finally {
        this.#watch?.close();
        this.#watch = undefined;
      }
      // A round that brought nothing (an error, or a stream that ended empty) backs off.
      failures = progressed ? 0 : failures + 1;
      if (failures > 0) {
        await delay(this.#timers, backoffDelay(failures, this.#random, this.#backoff), signal);
      }
    }
  }

  /**
   * Watch from the revision the cache reflects. Revision "0" (an empty store at list
   * time) means "from now" to the store, which could miss a write made since the list:
   * if the store moved meanwhile, list again instead.
   */
  async #openWatch(): Promise<Watch<T>> {
    for (;;) {
      const watch = await this.#store.watch<T>({
        kind: this.kind,
        resourceVersion: this.#revision,
      });
      if (this.#revision !== '0' || (await this.#store.currentRevision()) === '0') return watch;
      watch.close();
      await this.#relist();
    }
  }

  /** Replace the cache with a fresh list, reporting what changed as events. */
  async #relist(): Promise<void> {
    const { items, resourceVersion } = await this.#store.list<T>(this.kind);
    const seen = new Set<ObjectKey>();
    for (const obj of items) {
      seen.add(objectKeyOf(obj));
      this.#upsert(obj);
    }
    for (const key of this.#cache.keys()) {
      if (seen.has(key)) continue;
      const gone = this.#cache.remove(key);
      if (gone) this.#dispatch('onDelete', gone);
    }
    this.#revision = resourceVersion;
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#markSynced();
    }
  }

  #apply(event: WatchEvent<T>): void {
    const revision = event.object.metadata.resourceVersion ?? '0';
    // A replay may overlap what the cache already reflects.
    if (Number(revision) <= Number(this.#revision)) return;
    this.#revision = revision;
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'DELETED') {
      const gone = this.#cache.remove(objectKeyOf(event.object));
      this.#dispatch('onDelete', gone ?? event.object);
    } else {
      this.#upsert(event.object);
    }
  }

  #upsert(obj: T): void {
    const previous = this.#cache.get(objectKeyOf(obj));
    if (previous?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    const { object } = this.#cache.upsert(obj);
    if (previous) this.#dispatchUpdate(previous, object);
    else this.#dispatch('onAdd', object);
  }

  #dispatch(what: 'onAdd' | 'onDelete', obj: T): void {
    for (const handler of this.#handlers) this.#call(handler, what, obj);
  }

  #dispatchUpdate(previous: T, obj: T): void {
    for (const handler of this.#handlers) {
      try {
        handler.onUpdate?.(previous, obj);
      } catch (err: unknown) {
        this.#log.error({ kind: this.kind, err }, 'informer event handler failed');
      }
    }
  }

  #call(handler: InformerEventHandler<T>, what: 'onAdd' | 'onDelete', obj: T): void {
    try {
      handler[what]?.(obj);
    } catch (err: unknown) {
      this.#log.error({ kind: this.kind, err }, 'informer event handler failed');
    }
  }
}

/**
 * `promise`, or undefined as soon as `signal` aborts: stop() never waits on a store call
 * that hangs (a partitioned etcd). A result that arrives later is disposed of.
 */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  dispose?: (late: T) => void,
): Promise<T | undefined> {
  if (signal.aborted) {
    promise.then(dispose, () => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) dispose?.(value);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
