// The manager (after controller-runtime's): owns the shared informers (one per kind,
// however many controllers use it), runs every registered controller once this process
// leads, and stops them all gracefully.
//
// Start: acquire leadership → wire handlers → start informers → wait for every cache
// to sync (the initial lists have queued every object's key) → start the workers.
// Stop: stop informers → stop queues taking new keys and let reconciles in flight
// finish → at the shutdown deadline abort the reconcile signal and return anyway →
// release leadership.
import type { KindDefinition } from '../../api/kind.ts';
import type { AnyResource } from '../../api/meta.ts';
import { kinds as allKinds } from '../../api/registry.ts';
import type { Metrics } from '../../metrics/registry.ts';
import type { Store } from '../../store/types.ts';
import type { BackoffOptions } from './backoff.ts';
import { Controller, type ControllerOptions } from './controller.ts';
import { EventRecorder } from './events.ts';
import { Informer } from './informer.ts';
import { SoleLeader, type LeaderElector } from './leader.ts';
import { ConcurrencyLimiter } from './limiter.ts';
import { silentLogger, withFields, type RuntimeLogger } from './logger.ts';
import { systemTimers, type RandomSource, type Timers } from './timers.ts';

export interface ManagerOptions {
  store: Store;
  logger?: RuntimeLogger;
  metrics?: Metrics;
  /** Default: SoleLeader (this process always leads). The server passes a DataDirLock. */
  leaderElector?: LeaderElector;
  /** Called after leadership was lost and the controllers were stopped. */
  onLeaderLost?: () => void;
  timers?: Timers;
  random?: RandomSource;
  /** Kinds known to the store, for scope lookups. Default: every kind Slipway serves. */
  kinds?: readonly KindDefinition[];
  /** Every key is reconciled again after this long (ms) ± resyncJitter. Default 10 min; 0 disables. */
  resyncPeriodMs?: number;
  /** Default 0.1 (±10%). */
  resyncJitter?: number;
  /** Per-key retry backoff. Default 50 ms up to 5 min. */
  backoff?: BackoffOptions;
  /** Keys reconciled at once per controller unless it says otherwise. Default 4. */
  defaultConcurrency?: number;
  /** Reconciles at once across all controllers (the global concurrency flag). Default: no cap. */
  maxConcurrentReconciles?: number;
  /** How long stop() waits for reconciles in flight before aborting them (ms). Default 30 s. */
  shutdownTimeoutMs?: number;
}

export type { ControllerOptions, WatchSpec } from './controller.ts';

export class Manager {
  readonly store: Store;
  readonly metrics: Metrics | undefined;
  readonly #opts: ManagerOptions;
  readonly #log: RuntimeLogger;
  readonly #timers: Timers;
  readonly #random: RandomSource;
  readonly #kinds: ReadonlyMap<string, KindDefinition>;
  readonly #elector: LeaderElector;
  readonly #limiter: ConcurrencyLimiter;
  readonly #informers = new Map<string, Informer>();
  readonly #controllers = new Map<string, Controller>();
  /** Aborted by stop(): ends waits during start. */
  readonly #stopping = new AbortController();
  /** Aborted at the shutdown deadline: the signal reconcilers see. */
  readonly #reconcileAbort = new AbortController();
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  #leading = false;
  #stopped: Promise<void> | undefined;

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.store = opts.store;
    this.metrics = opts.metrics;
    this.#log = withFields(opts.logger ?? silentLogger, { component: 'controller-manager' });
    this.#timers = opts.timers ?? systemTimers;
    this.#random = opts.random ?? Math.random;
    this.#kinds = new Map((opts.kinds ?? allKinds).map((k) => [k.kind, k]));
    this.#elector = opts.leaderElector ?? new SoleLeader();
    this.#limiter = new ConcurrencyLimiter(opts.maxConcurrentReconciles ?? Infinity);
  }

  /**
   * Add a controller, before start():
   * `manager.register({ name: 'machine', forKind: 'Machine', owns: ['IPAddress'], reconcile })`.
   */
  register(opts: ControllerOptions): void {
    if (this.#state !== 'new') throw new Error(`register "${opts.name}" before the manager starts`);
    if (this.#controllers.has(opts.name))
      throw new Error(`controller "${opts.name}" is already registered`);
    const logger = this.#opts.logger ?? silentLogger;
    const controller = new Controller(opts, {
      informer: (kind) => this.informer(kind),
      isNamespaced: (kind) => this.#kind(kind).namespaced,
      logger,
      metrics: this.metrics,
      timers: this.#timers,
      random: this.#random,
      limiter: this.#limiter,
      backoff: this.#opts.backoff,
      concurrency: this.#opts.defaultConcurrency ?? 4,
      resyncPeriodMs: this.#opts.resyncPeriodMs ?? 10 * 60_000,
      resyncJitter: this.#opts.resyncJitter ?? 0.1,
      signal: this.#reconcileAbort.signal,
    });
    for (const kind of controller.kinds) this.#kind(kind); // fail now on an unknown kind
    this.#controllers.set(opts.name, controller);
  }

  /**
   * The shared informer (cache) of `kind`, for reconcilers to read from. Created on
   * first use; started with the manager. Objects in it are frozen: clone to change.
   */
  informer<T extends AnyResource = AnyResource>(kind: string): Informer<T> {
    let informer = this.#informers.get(kind);
    if (!informer) {
      this.#kind(kind);
      informer = new Informer({
        store: this.store,
        kind,
        logger: withFields(this.#opts.logger ?? silentLogger, { component: 'informer', kind }),
        timers: this.#timers,
        random: this.#random,
      });
      this.#informers.set(kind, informer);
      if (this.#state === 'starting' || this.#state === 'running') informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** An event recorder writing through this manager's store and clock. */
  eventRecorder(component: string): EventRecorder {
    return new EventRecorder({
      store: this.store,
      component,
      clock: () => new Date(this.#timers.now()),
      logger: withFields(this.#opts.logger ?? silentLogger, {
        component: 'events',
        source: component,
      }),
    });
  }

  /** The queue of each controller, for tests and benchmarks. */
  queueOf(name: string): Controller['queue'] | undefined {
    return this.#controllers.get(name)?.queue;
  }

  /**
   * Wait to lead, fill the caches, then run every controller. Resolves once they run;
   * rejects if stop() comes first (or `signal` aborts).
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== 'new') throw new Error('the manager was already started');
    this.#state = 'starting';
    const abort = signal ? AbortSignal.any([signal, this.#stopping.signal]) : this.#stopping.signal;
    await this.#elector.acquire(abort);
    this.#leading = true;
    this.#elector.onLost(() => void this.#leadershipLost());
    abort.throwIfAborted();
    for (const controller of this.#controllers.values()) controller.wire();
    for (const informer of this.#informers.values()) informer.start();
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(abort)));
    abort.throwIfAborted();
    for (const controller of this.#controllers.values()) controller.start();
    this.#state = 'running';
    this.#log.info({ controllers: [...this.#controllers.keys()] }, 'controllers started');
  }

  /** Whether this process holds leadership now (from acquiring it until it is lost or released). */
  get leading(): boolean {
    return this.#leading;
  }

  /** Resolves when no controller has keys queued or in flight (delayed keys aside). */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.#controllers.values()].map((c) => c.queue.whenIdle()));
  }

  /** Stop everything; safe to call more than once and before start. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopped';
    this.#stopping.abort();
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    const drained = Promise.all([...this.#controllers.values()].map((c) => c.shutdown()));
    const timeoutMs = this.#opts.shutdownTimeoutMs ?? 30_000;
    let deadline: unknown;
    const timedOut = new Promise<boolean>((resolve) => {
      deadline = this.#timers.setTimeout(() => resolve(true), timeoutMs);
    });
    const late = await Promise.race([drained.then(() => false), timedOut]);
    this.#timers.clearTimeout(deadline);
    if (late) {
      const inFlight = Object.fromEntries(
        [...this.#controllers.values()].map((c) => [c.name, c.queue.inFlight]),
      );
      this.#log.warn(
        { timeoutMs, inFlight },
        'reconciles still running at the shutdown deadline; aborting them',
      );
    }
    this.#reconcileAbort.abort();
    this.#leading = false;
    await this.#elector.release();
    this.#log.info({}, 'controllers stopped');
  }

  async #leadershipLost(): Promise<void> {
    this.#leading = false;
    this.#log.error({}, 'leadership lost; stopping controllers');
    // Another process may be reconciling already: in-flight passes stop at once.
    this.#reconcileAbort.abort();
    await this.stop();
    this.#opts.onLeaderLost?.();
  }

  #kind(kind: string): KindDefinition {
    const def = this.#kinds.get(kind);
    if (!def) throw new Error(`unknown kind "${kind}"`);
    return def;
  }
}
