// Owner-reference garbage collection, written against the Store interface only so every
// backend gets it. Like Kubernetes' garbage collector (graph_builder.go +
// attemptToDeleteItem), it keeps an in-memory graph of uids built from a list of every
// kind and one watch over all kinds, and deletes, in the background, a dependent whose
// owners are all gone. The graph only says where to look: each decision re-reads the
// dependent and looks its missing owners up in the store before deleting anything.
//
// Dependents with finalizers get a deletionTimestamp and go once their finalizers are
// removed; their own dependents follow. At start (and after a 410) it relists and
// sweeps, so owners that vanished while the server was down still take their dependents.
// Not supported (yet): foreground deletion, orphan propagation, blockOwnerDeletion.
import { isSlipwayError, StatusReason } from '../api/errors.ts';
import type { KindDefinition } from '../api/kind.ts';
import type { AnyResource, OwnerReference } from '../api/meta.ts';
import { silentLogger, type StoreLogger } from './logger.ts';
import { OwnerGraph } from './owner-graph.ts';
import type { Store, Watch, WatchEvent } from './types.ts';

export interface GarbageCollectorOptions {
  store: Store;
  kinds: readonly KindDefinition[];
  logger?: StoreLogger;
  /** Delay before retrying after an error (ms); doubles up to 30 s. Default 500. */
  retryDelayMs?: number;
}

export class GarbageCollector {
  readonly #store: Store;
  readonly #kinds: ReadonlyMap<string, KindDefinition>;
  readonly #log: StoreLogger;
  readonly #retryDelayMs: number;
  readonly #graph = new OwnerGraph();
  readonly #queue = new Set<string>();
  readonly #waiters: { ready: () => boolean; resolve: () => void; reject: (e: Error) => void }[] =
    [];
  readonly #sleeps = new Map<NodeJS.Timeout, () => void>();
  /** Revision the graph reflects. */
  #seen = 0;
  #working = false;
  #retrying = 0;
  #stopped = false;
  #watch: Watch | undefined;
  #loop: Promise<void> | undefined;
  /** The running queue worker; it never rejects. */
  #worker: Promise<void> = Promise.resolve();

  constructor(opts: GarbageCollectorOptions) {
    this.#store = opts.store;
    this.#kinds = new Map(opts.kinds.map((k) => [k.kind, k]));
    this.#log = opts.logger ?? silentLogger;
    this.#retryDelayMs = opts.retryDelayMs ?? 500;
  }

  /** List every kind, sweep for orphans, and start watching. Resolves once watching. */
  async start(): Promise<void> {
    this.#watch = await this.#sync();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.close();
    for (const [timer, wake] of this.#sleeps) {
      clearTimeout(timer);
      wake();
    }
    this.#sleeps.clear();
    for (const w of this.#waiters.splice(0)) w.reject(new Error('garbage collector stopped'));
    await this.#loop;
    await this.#worker;
  }

  /**
   * Resolves once the collector has seen every write made before (and because of) this
   * call and has nothing left to do: tests await it instead of sleeping.
   */
  async settled(): Promise<void> {
    for (;;) {
      const target = Number(await this.#store.currentRevision());
      await this.#until(() => this.#seen >= target && this.#idle());
      if (Number(await this.#store.currentRevision()) === target && this.#idle()) return;
    }
  }

  #idle(): boolean {
    return this.#queue.size === 0 && !this.#working && this.#retrying === 0;
  }

  #until(ready: () => boolean): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('garbage collector stopped'));
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ ready, resolve, reject }));
  }

  #notify(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (w?.ready()) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /**
   * Watch from now, then rebuild the graph from a list of every kind and queue every
   * object with owners. Watching first leaves no gap (a revision of "0" would mean
   * "now" rather than "from the start"); changes the lists already show replay harmlessly.
   */
  async #sync(): Promise<Watch> {
    const watch = await this.#store.watch({});
    try {
      const objects: AnyResource[] = [];
      let listed = Infinity;
      for (const kind of this.#kinds.keys()) {
        const page = await this.#store.list(kind);
        listed = Math.min(listed, Number(page.resourceVersion));
        objects.push(...page.items);
      }
      this.#graph.reset(objects);
      this.#seen = Math.max(this.#seen, Number.isFinite(listed) ? listed : 0);
      for (const o of objects)
        if (o.metadata.ownerReferences?.length) this.#enqueue(o.metadata.uid);
      this.#notify();
      return watch;
    } catch (err: unknown) {
      watch.close();
      throw err;
    }
  }

  async #run(): Promise<void> {
    let delay = this.#retryDelayMs;
    let resync = false;
    while (!this.#stopped) {
      try {
        if (resync || (!this.#watch && this.#seen === 0)) this.#watch = await this.#sync();
        resync = false;
        this.#watch ??= await this.#store.watch({ resourceVersion: String(this.#seen) });
        if (this.#stopped) break;
        for await (const event of this.#watch) {
          this.#apply(event);
          delay = this.#retryDelayMs;
        }
      } catch (err: unknown) {
        if (this.#stopped) break;
        if (isSlipwayError(err, StatusReason.Gone)) {
          this.#log.warn({ err }, 'watch history compacted; relisting');
          resync = true;
        } else {
          this.#log.warn({ err, retryInMs: delay }, 'watch failed; retrying');
          await this.#sleep(delay);
          delay = Math.min(delay * 2, 30_000);
        }
      }
      // The watch ended (closed by the store, or failed): watch again from #seen.
      this.#watch?.close();
      this.#watch = undefined;
    }
  }

  #apply(event: WatchEvent): void {
    const { object } = event;
    if (event.type === 'DELETED') {
      // Everything that named it as an owner may now be an orphan.
      for (const dependent of this.#graph.remove(object.metadata.uid ?? ''))
        this.#enqueue(dependent);
    } else if (event.type !== 'BOOKMARK') {
      this.#graph.upsert(object);
      const owners = object.metadata.ownerReferences ?? [];
      if (owners.some((o) => !this.#graph.has(o.uid))) this.#enqueue(object.metadata.uid);
    }
    this.#seen = Math.max(this.#seen, Number(object.metadata.resourceVersion ?? 0));
    this.#notify();
  }

  #enqueue(uid: string | undefined): void {
    if (!uid || this.#stopped) return;
    this.#queue.add(uid);
    if (!this.#working) this.#worker = this.#work();
  }

  async #work(): Promise<void> {
    this.#working = true;
    try {
      for (const uid of this.#queue) {
        if (this.#stopped) return;
        this.#queue.delete(uid);
        try {
          await this.#attemptToDelete(uid);
        } catch (err: unknown) {
          this.#log.warn({ err, uid }, 'garbage collection failed; retrying');
          this.#retryLater(uid);
        }
      }
    } finally {
      this.#working = false;
      this.#notify();
    }
  }

  /** Delete the object `uid` if every owner it names is gone. */
  async #attemptToDelete(uid: string): Promise<void> {
    const node = this.#graph.get(uid);
    if (!node) return;
    const current = await this.#getIfUid(node.kind, node.namespace, node.name, uid);
    const meta = current?.metadata;
    if (!meta?.ownerReferences?.length || meta.deletionTimestamp) return;
    for (const ref of meta.ownerReferences) {
      if (await this.#ownerExists(ref, meta.namespace)) return;
    }
    this.#log.info(
      { kind: node.kind, namespace: node.namespace, name: node.name },
      'deleting orphan',
    );
    try {
      await this.#store.delete(node.kind, node.namespace, node.name, { uid });
    } catch (err: unknown) {
      // Already gone, or replaced by a new object of the same name: nothing to do.
      if (
        !isSlipwayError(err, StatusReason.NotFound) &&
        !isSlipwayError(err, StatusReason.Conflict)
      )
        throw err;
    }
  }

  async #ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    // The graph may lag behind a deletion, never behind a creation it was told about:
    // a uid it knows exists or is about to be reported DELETED (which re-queues us).
    if (this.#graph.has(ref.uid)) return true;
    const def = this.#kinds.get(ref.kind);
    if (!def || (def.namespaced && !namespace)) {
      this.#log.warn({ owner: ref }, 'cannot resolve owner reference; keeping the dependent');
      return true;
    }
    return (
      (await this.#getIfUid(
        ref.kind,
        def.namespaced ? namespace : undefined,
        ref.name,
        ref.uid,
      )) !== undefined
    );
  }

  async #getIfUid(
    kind: string,
    namespace: string | undefined,
    name: string,
    uid: string,
  ): Promise<AnyResource | undefined> {
    try {
      const obj = await this.#store.get(kind, namespace, name);
      return obj.metadata.uid === uid ? obj : undefined;
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  }

  #retryLater(uid: string): void {
    if (this.#stopped) return;
    this.#retrying++;
    void this.#sleep(this.#retryDelayMs).then(() => {
      this.#retrying--;
      this.#enqueue(uid);
      this.#notify();
    });
  }

  /** A delay that stop() cuts short, so nothing waits on a timer after stopping. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.#sleeps.set(timer, resolve);
    });
  }
}
