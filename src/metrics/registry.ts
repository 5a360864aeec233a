// The Prometheus metrics of one Slipway server. Each server gets its own prom-client
// Registry (never the library's global default), so two servers in one process (tests,
// benchmarks) keep separate figures. The API server exposes `registry.metrics()` at
// /metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResultLabel = 'success' | 'requeue_after' | 'error' | 'terminal';
export type ProviderCallResult = 'success' | 'error';

export interface Metrics {
  readonly registry: Registry;
  /** Reconcile passes by controller and outcome. */
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  /** Reconcile passes that threw (retried, or terminal). */
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileDuration: Histogram<'controller'>;
  /** Keys waiting in each controller's work queue; read when scraped. */
  readonly workqueueDepth: Gauge<'controller'>;
  readonly storeOperationDuration: Histogram<'operation' | 'kind'>;
  readonly providerCallDuration: Histogram<'provider' | 'operation' | 'result'>;
  /** Report `depth()` as the queue depth of `controller` at every scrape; returns an undo. */
  trackQueueDepth(controller: string, depth: () => number): () => void;
  /** Report `leading()` (1 or 0) as `slipway_leader` at every scrape. */
  trackLeadership(leading: () => boolean): void;
}

export interface MetricsOptions {
  /**
   * Also collect Node's default process metrics (CPU, memory, event-loop lag, GC).
   * Default true. They start a GC observer and an event-loop monitor that live as long
   * as the process, so short-lived test registries may leave them off.
   */
  processMetrics?: boolean;
}

/** A fresh registry with Slipway's metrics, e.g. `createMetrics().registry.metrics()`. */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const depthSources = new Map<string, Set<() => number>>();

  const workqueueDepth = new Gauge({
    name: 'slipway_workqueue_depth',
    help: 'Keys waiting in a controller work queue (not counting delayed or in-flight keys).',
    labelNames: ['controller'] as const,
    registers,
    collect() {
      for (const [controller, sources] of depthSources) {
        let depth = 0;
        for (const source of sources) depth += source();
        this.set({ controller }, depth);
      }
    },
  });

  let leadership: (() => boolean) | undefined;
  new Gauge({
    name: 'slipway_leader',
    help: '1 while this replica holds leadership and runs the controllers, else 0.',
    registers,
    collect() {
      this.set(leadership?.() ? 1 : 0);
    },
  });

  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    reconcileTotal: new Counter({
      name: 'slipway_reconcile_total',
      help: 'Reconcile passes by controller and result (success, requeue_after, error, terminal).',
      labelNames: ['controller', 'result'] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'slipway_reconcile_errors_total',
      help: 'Reconcile passes that failed, retried or terminal.',
      labelNames: ['controller'] as const,
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'slipway_reconcile_duration_seconds',
      help: 'Time spent in one reconcile pass.',
      labelNames: ['controller'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    workqueueDepth,
    storeOperationDuration: new Histogram({
      name: 'slipway_store_operation_duration_seconds',
      help: 'Latency of store calls by operation and kind.',
      labelNames: ['operation', 'kind'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    providerCallDuration: new Histogram({
      name: 'slipway_provider_call_duration_seconds',
      help: 'Latency of infrastructure and bootstrap provider calls by operation and result.',
      labelNames: ['provider', 'operation', 'result'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    trackLeadership(leading) {
      leadership = leading;
    },
    trackQueueDepth(controller, depth) {
      let sources = depthSources.get(controller);
      if (!sources) depthSources.set(controller, (sources = new Set()));
      sources.add(depth);
      workqueueDepth.set({ controller }, 0);
      return () => {
        sources.delete(depth);
      };
    },
  };
}

/** Seconds elapsed since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
