// What the fleet benchmark records while it runs: store writes by operation and kind,
// every reconcile's duration, and periodic samples of queue depth and RSS.
import type { LabelValues } from 'prom-client';
import type { AnyResource } from '../../src/api/meta.ts';
import type { Metrics } from '../../src/metrics/registry.ts';
import type { Store } from '../../src/store/types.ts';
import type { WriteCounts } from './floor.ts';

/** Store calls seen so far, by operation and kind (dry runs not counted). */
export class WriteCounter {
  readonly byOperation = new Map<string, number>();
  readonly byKind = new Map<string, number>();

  count(operation: string, kind: string, dryRun: boolean | undefined): void {
    if (dryRun) return;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }

  total(): number {
    let sum = 0;
    for (const n of this.byOperation.values()) sum += n;
    return sum;
  }

  /** Creates, and everything else (one row rewritten each). */
  counts(): WriteCounts {
    const creates = this.byOperation.get('create') ?? 0;
    return { creates, updates: this.total() - creates };
  }

  snapshot(): WriteSnapshot {
    return {
      byKind: new Map(this.byKind),
      byOperation: new Map(this.byOperation),
      counts: this.counts(),
      total: this.total(),
    };
  }
}

export interface WriteSnapshot {
  byKind: Map<string, number>;
  byOperation: Map<string, number>;
  counts: WriteCounts;
  total: number;
}

/** `store`, with every write counted in `counter` and every read in `reads`. */
export function countingStore(store: Store, counter: WriteCounter, reads: WriteCounter): Store {
  return {
    ...bindAll(store),
    async get<T extends AnyResource>(kind: string, namespace: string | undefined, name: string) {
      try {
        const found = await store.get<T>(kind, namespace, name);
        reads.count('get', kind, false);
        return found;
      } catch (err: unknown) {
        reads.count('get-missing', kind, false);
        throw err;
      }
    },
    async list<T extends AnyResource>(kind: string, opts?: Parameters<Store['list']>[1]) {
      reads.count('list', kind, false);
      return store.list<T>(kind, opts);
    },
    async create<T extends AnyResource>(obj: T, opts?: Parameters<Store['create']>[1]) {
      const created = await store.create(obj, opts);
      counter.count('create', obj.kind, opts?.dryRun);
      return created;
    },
    async update<T extends AnyResource>(obj: T, opts?: Parameters<Store['update']>[1]) {
      const updated = await store.update(obj, opts);
      counter.count('update', obj.kind, opts?.dryRun);
      return updated;
    },
    async updateStatus<T extends AnyResource>(obj: T, opts?: Parameters<Store['updateStatus']>[1]) {
      const updated = await store.updateStatus(obj, opts);
      counter.count('updateStatus', obj.kind, opts?.dryRun);
      return updated;
    },
    async delete<T extends AnyResource>(
      kind: string,
      namespace: string | undefined,
      name: string,
      opts?: Parameters<Store['delete']>[3],
    ) {
      const deleted = await store.delete<T>(kind, namespace, name, opts);
      counter.count('delete', kind, opts?.dryRun);
      return deleted;
    },
  };
}

function bindAll(store: Store): Store {
  return {
    create: (obj, opts) => store.create(obj, opts),
    get: (kind, namespace, name) => store.get(kind, namespace, name),
    list: (kind, opts) => store.list(kind, opts),
    update: (obj, opts) => store.update(obj, opts),
    updateStatus: (obj, opts) => store.updateStatus(obj, opts),
    delete: (kind, namespace, name, opts) => store.delete(kind, namespace, name, opts),
    watch: (opts) => store.watch(opts),
    currentRevision: () => store.currentRevision(),
    compact: (revision) => store.compact(revision),
    close: () => store.close(),
  };
}

/**
 * Every reconcile duration (ms) by controller, taken from the manager's own
 * `slipway_reconcile_duration_seconds` observations, so that percentiles are exact
 * rather than read from histogram buckets.
 */
export class ReconcileSamples {
  readonly #samples = new Map<string, number[]>();

  /** `metrics` whose reconcile histogram also reports here. */
  wrap(metrics: Metrics): Metrics {
    const histogram = metrics.reconcileDuration;
    const record = (labels: LabelValues<'controller'>, seconds: number) => {
      const controller = String(labels.controller ?? '');
      let list = this.#samples.get(controller);
      if (!list) this.#samples.set(controller, (list = []));
      list.push(seconds * 1000);
      histogram.observe(labels, seconds);
    };
    const reconcileDuration = new Proxy(histogram, {
      get: (target, property, receiver) =>
        property === 'observe' ? record : (Reflect.get(target, property, receiver) as unknown),
    });
    return {
      ...metrics,
      reconcileDuration,
      trackQueueDepth: (controller, depth) => metrics.trackQueueDepth(controller, depth),
    };
  }

  controllers(): string[] {
    return [...this.#samples.keys()].sort();
  }

  /** How many reconciles each controller has run so far. */
  counts(): Map<string, number> {
    return new Map([...this.#samples].map(([c, list]) => [c, list.length]));
  }

  /** Percentiles of the samples taken after the `from` counts (all when omitted). */
  summary(controller: string, from?: Map<string, number>): DurationSummary {
    const list = (this.#samples.get(controller) ?? []).slice(from?.get(controller) ?? 0);
    return summarize(list);
  }

  /** All controllers together. */
  overall(from?: Map<string, number>): DurationSummary {
    const all: number[] = [];
    for (const [controller, list] of this.#samples) {
      for (const v of list.slice(from?.get(controller) ?? 0)) all.push(v);
    }
    return summarize(all);
  }
}

export interface DurationSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  totalMs: number;
}

export function summarize(values: readonly number[]): DurationSummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    totalMs: sorted.reduce((a, b) => a + b, 0),
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Peaks of queue depth (per controller and summed) and RSS, sampled on an interval. */
export class PeakSampler {
  readonly peakDepth = new Map<string, number>();
  peakTotalDepth = 0;
  peakRss = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(depths: () => Map<string, number>, intervalMs = 25) {
    const sample = () => {
      let total = 0;
      for (const [name, depth] of depths()) {
        total += depth;
        if (depth > (this.peakDepth.get(name) ?? 0)) this.peakDepth.set(name, depth);
      }
      this.peakTotalDepth = Math.max(this.peakTotalDepth, total);
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    };
    sample();
    this.#timer = setInterval(sample, intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
