// One registered controller: the informer events that feed its queue, and the pass that
// runs its reconcile for a key and turns the outcome into what the queue does next.
import { isDeepStrictEqual } from 'node:util';
import type { AnyResource } from '../../api/meta.ts';
import { secondsSince, type Metrics, type ReconcileResultLabel } from '../../metrics/registry.ts';
import { jittered, type BackoffOptions } from './backoff.ts';
import type { Informer } from './informer.ts';
import { objectKeyOf } from './keys.ts';
import type { ConcurrencyLimiter } from './limiter.ts';
import { withFields, type RuntimeLogger } from './logger.ts';
import { controllerOwnerKey, enqueueMapped } from './mapping.ts';
import type { RandomSource, Timers } from './timers.ts';
import { TerminalError, type ObjectKey, type Reconcile, type ReconcileContext } from './types.ts';
import { WorkQueue } from './work-queue.ts';

/** Another kind whose changes concern this controller's objects. */
export interface WatchSpec {
  kind: string;
  /** The keys (of the controller's own kind) to reconcile when `obj` changes. */
  mapToKeys(obj: AnyResource): ObjectKey[];
}

export interface ControllerOptions {
  /** Used in logs and metrics, e.g. `machine`. */
  name: string;
  /** The kind this controller reconciles; keys are its objects' keys. */
  forKind: string;
  /** Kinds whose objects name a `forKind` object as controller owner: changes reconcile the owner. */
  owns?: string[];
  watches?: WatchSpec[];
  reconcile: Reconcile;
  /** Keys reconciled at once by this controller. Default: the manager's. */
  concurrency?: number;
  /**
   * Updates of the controller's own objects that change only `status` (the status this
   * controller writes itself) do not queue another pass. Like controller-runtime's
   * GenerationChangedPredicate, except that metadata changes (labels, annotations,
   * finalizers, owners, deletion) still do. A controller that sets this must not rely
   * on its own status write to be called again: it returns `requeueAfter` instead.
   */
  ignoreStatusUpdates?: boolean;
}

export interface ControllerDeps {
  informer: (kind: string) => Informer;
  isNamespaced: (kind: string) => boolean;
  logger: RuntimeLogger;
  metrics: Metrics | undefined;
  timers: Timers;
  random: RandomSource;
  limiter: ConcurrencyLimiter;
  backoff: BackoffOptions | undefined;
  concurrency: number;
  /** 0 disables resync. */
  resyncPeriodMs: number;
  resyncJitter: number;
  /** Aborted when the manager gives up waiting for reconciles at shutdown. */
  signal: AbortSignal;
}

/**
 * Whether an update changed nothing but status: the generation (which moves with
 * every spec change) and the metadata a controller acts on are the same.
 */
export function onlyStatusChanged(oldObj: AnyResource, newObj: AnyResource): boolean {
  const before = oldObj.metadata;
  const after = newObj.metadata;
  return (
    before.generation === after.generation &&
    before.deletionTimestamp === after.deletionTimestamp &&
    isDeepStrictEqual(before.labels, after.labels) &&
    isDeepStrictEqual(before.annotations, after.annotations) &&
    isDeepStrictEqual(before.finalizers, after.finalizers) &&
    isDeepStrictEqual(before.ownerReferences, after.ownerReferences)
  );
}

export class Controller {
  readonly name: string;
  readonly forKind: string;
  readonly queue: WorkQueue;
  readonly #opts: ControllerOptions;
  readonly #deps: ControllerDeps;
  readonly #log: RuntimeLogger;
  readonly #ctx: ReconcileContext;
  #untrackDepth: (() => void) | undefined;

  constructor(opts: ControllerOptions, deps: ControllerDeps) {
    this.name = opts.name;
    this.forKind = opts.forKind;
    this.#opts = opts;
    this.#deps = deps;
    this.#log = withFields(deps.logger, { controller: opts.name });
    this.queue = new WorkQueue({
      concurrency: opts.concurrency ?? deps.concurrency,
      limiter: deps.limiter,
      timers: deps.timers,
      random: deps.random,
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
    });
    this.#ctx = { signal: deps.signal, now: () => new Date(deps.timers.now()) };
  }

  /** The kinds whose informers this controller needs. */
  get kinds(): string[] {
    const { forKind, owns = [], watches = [] } = this.#opts;
    return [...new Set([forKind, ...owns, ...watches.map((w) => w.kind)])];
  }

  /** Connect informer events to the queue; call before the informers start. */
  wire(): void {
    const enqueue = (key: ObjectKey) => this.queue.add(key);
    const { forKind, owns = [], watches = [] } = this.#opts;
    const own = enqueueMapped((obj) => [objectKeyOf(obj)], enqueue);
    this.#deps.informer(forKind).addEventHandler(
      this.#opts.ignoreStatusUpdates
        ? {
            ...own,
            onUpdate: (oldObj, newObj) => {
              if (!onlyStatusChanged(oldObj, newObj)) own.onUpdate?.(oldObj, newObj);
            },
          }
        : own,
    );
    const forNamespaced = this.#deps.isNamespaced(forKind);
    for (const kind of owns) {
      this.#deps
        .informer(kind)
        .addEventHandler(
          enqueueMapped((obj) => [controllerOwnerKey(obj, forKind, forNamespaced)], enqueue),
        );
    }
    for (const watch of watches) {
      const map = (obj: AnyResource) => {
        try {
          return watch.mapToKeys(obj);
        } catch (err: unknown) {
          this.#log.error({ err, kind: watch.kind }, 'mapToKeys failed');
          return [];
        }
      };
      this.#deps.informer(watch.kind).addEventHandler(enqueueMapped(map, enqueue));
    }
    this.#untrackDepth = this.#deps.metrics?.trackQueueDepth(this.name, () => this.queue.depth);
  }

  /** Start the workers; the caches must have synced. */
  start(): void {
    this.queue.start((key) => this.#process(key));
  }

  /** Stop taking keys; resolves when the reconciles in flight have finished. */
  async shutdown(): Promise<void> {
    await this.queue.shutdown();
    this.#untrackDepth?.();
  }

  async #process(key: ObjectKey): Promise<void> {
    const start = process.hrtime.bigint();
    let result: ReconcileResultLabel;
    try {
      const { requeueAfter } = await this.#opts.reconcile(this.#ctx, key);
      this.queue.forget(key);
      const requeued = requeueAfter !== undefined && requeueAfter > 0;
      if (requeued) this.queue.addAfter(key, requeueAfter);
      result = requeued ? 'requeue_after' : 'success';
      // A requeue within the resync period already promises a look in time; a resync
      // drawn earlier would only add a pass (and pull the key off its requested tick).
      if (!requeued || requeueAfter > this.#deps.resyncPeriodMs) this.#scheduleResync(key);
    } catch (err: unknown) {
      if (err instanceof TerminalError) {
        result = 'terminal';
        this.queue.forget(key);
        this.#log.error(
          { err, key, reason: err.reason },
          'reconcile failed and will not be retried',
        );
        this.#scheduleResync(key);
      } else if (this.#deps.signal.aborted) {
        result = 'error';
        this.#log.info({ err, key }, 'reconcile aborted by shutdown');
      } else {
        result = 'error';
        const retryInMs = this.queue.addRateLimited(key);
        const failures = this.queue.failures(key);
        this.#log.warn({ err, key, failures, retryInMs }, 'reconcile failed; retrying');
      }
    }
    const metrics = this.#deps.metrics;
    if (metrics) {
      const controller = this.name;
      metrics.reconcileTotal.inc({ controller, result });
      if (result === 'error' || result === 'terminal') metrics.reconcileErrors.inc({ controller });
      metrics.reconcileDuration.observe({ controller }, secondsSince(start));
    }
  }

  /** Reconcile `key` again after the resync period, if it still exists. */
  #scheduleResync(key: ObjectKey): void {
    const { resyncPeriodMs, resyncJitter, random } = this.#deps;
    if (resyncPeriodMs <= 0 || !this.#deps.informer(this.forKind).has(key)) return;
    this.queue.addAfter(key, jittered(resyncPeriodMs, resyncJitter, random));
  }
}
