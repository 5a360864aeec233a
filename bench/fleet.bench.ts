// Fleet figures on this machine: N ClusterDeployments (1 control plane + W workers) on
// the simulated provider, created in batches, driven to Ready by the real controllers
// (store, garbage collector, runtime manager, sim hypervisor, sim child API over HTTPS,
// K3s bootstrap), all in this process. Prints time-to-Ready per batch and overall,
// reconcile p50/p99, peak work-queue depth, store writes, RSS and CPU, each beside its
// floor: at zero latency the time the raw store (measured at the end of the same run)
// needs for the writes a cluster cannot do without; at other latencies the critical
// path of the simulated machines. Then, with every cluster Ready, idle CPU and RSS.
// Figures, not assertions. Run:
// npm run bench:fleet [-- --clusters 1000 --workers 3 --latency zero --batch 100]
//   [--idle SECONDS] [--timeout SECONDS] [--profile-dir DIR] [--heap-snapshot FILE]
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import type { ClusterDeployment } from '../src/api/kinds/cluster-deployment.ts';
import { ApiVersion } from '../src/api/meta.ts';
import { kinds } from '../src/api/registry.ts';
import { startControlPlane, type ControlPlane } from '../src/control-plane.ts';
import { clusterDeploymentControllerName } from '../src/controllers/cluster-deployment/controller.ts';
import { clusterTemplateControllerName } from '../src/controllers/cluster-template.controller.ts';
import { credentialControllerName } from '../src/controllers/credential.controller.ts';
import { machineControllerName } from '../src/controllers/machine.controller.ts';
import { seedDemo } from '../src/demo/seed.ts';
import { createMetrics } from '../src/metrics/registry.ts';
import { instrumentStore } from '../src/metrics/store-instrumentation.ts';
import {
  latencyProfiles,
  type LatencyProfileName,
} from '../src/providers/infrastructure/sim/latency.ts';
import { GarbageCollector } from '../src/store/garbage-collector.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';
import type { StoreRates } from './fleet/floor.ts';
import { PhaseProfiler } from './fleet/profiler.ts';
import { countingStore, PeakSampler, ReconcileSamples, WriteCounter } from './fleet/recorder.ts';
import {
  printReport,
  type BatchFigures,
  type FleetOptions,
  type IdleFigures,
  type ProvisioningFigures,
} from './fleet/report.ts';
import { measureStoreWrites } from './store.bench.ts';

const controllerNames = [
  clusterTemplateControllerName,
  credentialControllerName,
  clusterDeploymentControllerName,
  machineControllerName,
];
const namespace = 'fleet';
/** Pause between the last cluster Ready and the idle measurement (poll requeues end). */
const settleMs = 5_000;
const template = 'sim-k3s-single';

interface Options extends FleetOptions {
  idleSeconds: number;
  timeoutSeconds: number;
  /** Write provisioning.cpuprofile and idle.cpuprofile here. */
  profileDir: string | undefined;
  /** Write a heap snapshot here when every cluster is Ready. */
  heapSnapshot: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      clusters: { type: 'string', default: '1000' },
      workers: { type: 'string', default: '3' },
      latency: { type: 'string', default: 'zero' },
      batch: { type: 'string', default: '100' },
      idle: { type: 'string', default: '60' },
      timeout: { type: 'string', default: '900' },
      'profile-dir': { type: 'string' },
      'heap-snapshot': { type: 'string' },
    },
  });
  const int = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  if (!Object.hasOwn(latencyProfiles, values.latency)) {
    throw new Error(`--latency must be one of ${Object.keys(latencyProfiles).join(', ')}`);
  }
  return {
    clusters: int('clusters', values.clusters, 1),
    workers: int('workers', values.workers, 0),
    latency: values.latency as LatencyProfileName,
    batch: int('batch', values.batch, 1),
    idleSeconds: int('idle', values.idle, 0),
    timeoutSeconds: int('timeout', values.timeout, 1),
    profileDir: values['profile-dir'],
    heapSnapshot: values['heap-snapshot'],
  };
}

function clusterObject(i: number, workers: number): ClusterDeployment {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name: `fleet-${String(i).padStart(5, '0')}`, namespace },
    spec: {
      template,
      credential: 'sim',
      config: { controlPlaneNumber: 1, workersNumber: workers },
    },
  };
}

function isReady(cluster: ClusterDeployment): boolean {
  return (
    cluster.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
  );
}

async function waitFor(check: () => Promise<boolean>, intervalMs = 20): Promise<void> {
  while (!(await check())) await delay(intervalMs);
}

/** The raw store's sequential create and update rates, on a store of its own. */
async function rawStoreRates(dataDir: string): Promise<StoreRates> {
  const store = await openSqliteStore({ dataDir });
  try {
    await measureStoreWrites(store, 1000, 10_000_000); // warm-up: JIT, page cache, WAL
    return await measureStoreWrites(store, 5000);
  } finally {
    await store.close();
  }
}

/** What the run has reached, for the message of a run that times out. */
interface Progress {
  phase: string;
  created: number;
  ready: number;
}

class FleetRun {
  readonly opts: Options;
  readonly dataDir: string;
  readonly progress: Progress = { phase: 'starting the control plane', created: 0, ready: 0 };
  readonly #counter = new WriteCounter();
  readonly #reads = new WriteCounter();
  readonly #samples = new ReconcileSamples();
  readonly #createdAt = new Map<string, number>();
  readonly #readyAt = new Map<string, number>();
  #store: Store | undefined;
  #gc: GarbageCollector | undefined;
  #controlPlane: ControlPlane | undefined;

  constructor(opts: Options, dataDir: string) {
    this.opts = opts;
    this.dataDir = dataDir;
  }

  async start(): Promise<ControlPlane> {
    const metrics = this.#samples.wrap(createMetrics({ processMetrics: false }));
    const dataDir = join(this.dataDir, 'fleet');
    const rawStore = await openSqliteStore({ dataDir });
    const store = countingStore(instrumentStore(rawStore, metrics), this.#counter, this.#reads);
    this.#store = store;
    this.#gc = new GarbageCollector({ store, kinds });
    await this.#gc.start();
    await seedDemo(store);
    const controlPlane = await startControlPlane({
      store,
      dataDir,
      metrics,
      simLatency: this.opts.latency,
    });
    this.#controlPlane = controlPlane;
    await controlPlane.started;
    const noteReady = (cluster: ClusterDeployment) => {
      const name = cluster.metadata.name;
      if (!this.#readyAt.has(name) && this.#createdAt.has(name) && isReady(cluster)) {
        this.#readyAt.set(name, performance.now());
        this.progress.ready = this.#readyAt.size;
      }
    };
    controlPlane.manager
      .informer<ClusterDeployment>('ClusterDeployment')
      .addEventHandler({ onAdd: noteReady, onUpdate: (_, obj) => noteReady(obj) });
    // The demo Credential is checked and the templates validated before the clock starts.
    await waitFor(async () => {
      const credential = await store.get('Credential', 'slipway-system', 'sim');
      return (credential.status as { ready?: boolean } | undefined)?.ready === true;
    });
    await controlPlane.manager.whenIdle();
    return controlPlane;
  }

  /** Create every cluster, in batches, and wait until all are Ready. */
  async provision(
    controlPlane: ControlPlane,
    profiler: PhaseProfiler,
  ): Promise<ProvisioningFigures> {
    const store = this.#store;
    if (!store) throw new Error('start() first');
    const { manager } = controlPlane;
    const { clusters, batch, workers } = this.opts;
    this.progress.phase = 'creating clusters';
    const depths = () =>
      new Map(controllerNames.map((n) => [n, manager.queueOf(n)?.depth ?? 0] as const));
    const rssBefore = process.memoryUsage.rss();
    const sampler = new PeakSampler(depths);
    const writesBefore = this.#counter.snapshot();
    const readsBefore = this.#reads.snapshot();
    const reconcilesBefore = this.#samples.counts();
    await profiler.start();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const batches: { start: number; created: number; names: string[] }[] = [];
    for (let first = 0; first < clusters; first += batch) {
      const batchStart = performance.now();
      const names: string[] = [];
      const creates: Promise<unknown>[] = [];
      for (let i = first; i < Math.min(clusters, first + batch); i++) {
        const cluster = clusterObject(i, workers);
        names.push(cluster.metadata.name);
        this.#createdAt.set(cluster.metadata.name, performance.now());
        creates.push(store.create(cluster));
      }
      await Promise.all(creates);
      this.progress.created = this.#createdAt.size;
      batches.push({ start: batchStart, created: performance.now(), names });
    }
    const allCreated = performance.now();

    this.progress.phase = 'waiting for Ready';
    await waitFor(() => Promise.resolve(this.#readyAt.size === clusters), 50);
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    sampler.stop();
    await profiler.stop('provisioning');
    if (this.opts.heapSnapshot) writeHeapSnapshot(this.opts.heapSnapshot);
    const memory = process.memoryUsage();
    const batchFigures: BatchFigures[] = batches.map((b) => ({
      createMs: b.created - b.start,
      allReadyMs: Math.max(...b.names.map((n) => this.#readyAt.get(n) ?? end)) - b.start,
      perClusterMs: b.names.map(
        (n) => (this.#readyAt.get(n) ?? end) - (this.#createdAt.get(n) ?? b.start),
      ),
    }));
    return {
      totalMs: end - start,
      allCreatedMs: allCreated - start,
      batches: batchFigures,
      writesBefore,
      writesAfter: this.#counter.snapshot(),
      readsBefore,
      readsAfter: this.#reads.snapshot(),
      reconciles: new Map(
        this.#samples
          .controllers()
          .map((c) => [c, this.#samples.summary(c, reconcilesBefore)] as const),
      ),
      reconcilesAtReady: this.#samples.counts(),
      peakDepth: sampler.peakDepth,
      peakTotalDepth: sampler.peakTotalDepth,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBefore,
      rssPeak: sampler.peakRss,
      memory,
    };
  }

  /** CPU and RSS over `seconds` with every cluster Ready and nothing changing. */
  async idle(
    seconds: number,
    provisioning: ProvisioningFigures,
    profiler: PhaseProfiler,
  ): Promise<IdleFigures> {
    // Let the last passes of provisioning (and their short requeues) finish first.
    this.progress.phase = 'settling';
    await this.#controlPlane?.manager.whenIdle();
    await delay(settleMs);
    this.progress.phase = 'measuring idle CPU';
    await profiler.start(10_000);
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let rssPeak = 0;
    const rssTimer = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    }, 1000);
    await delay(seconds * 1000);
    clearInterval(rssTimer);
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - start;
    await profiler.stop('idle');
    return {
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      reconciles: new Map(
        this.#samples
          .controllers()
          .map((c) => [c, this.#samples.summary(c, provisioning.reconcilesAtReady).count] as const),
      ),
      writes: this.#counter.total() - provisioning.writesAfter.total,
      rss: process.memoryUsage.rss(),
      rssPeak,
      ready: this.#readyAt.size,
    };
  }

  async close(): Promise<void> {
    await this.#controlPlane?.close();
    await this.#gc?.stop();
    await this.#store?.close();
  }
}

/** Runs `fn`; a run that passes the deadline is ended with a clear message. */
async function withDeadline(
  seconds: number,
  progress: Progress,
  cleanup: () => void,
  fn: () => Promise<void>,
): Promise<void> {
  const timer = setTimeout(() => {
    console.error(
      `\nbench:fleet: gave up after ${seconds} s (--timeout) while ${progress.phase}: ` +
        `${progress.created} clusters created, ${progress.ready} Ready.`,
    );
    cleanup();
    process.exit(2);
  }, seconds * 1000);
  try {
    await fn();
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-fleet-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    removeDataDir();
    process.exit(130);
  });
  console.log(
    `slipway fleet benchmark: ${opts.clusters} clusters of 1 control plane + ${opts.workers} ` +
      `workers, sim latency "${opts.latency}", batches of ${opts.batch}`,
  );
  // The server runs with --max-semi-space-size=16 (bin/slipway.mjs, npm start); the
  // young generation's size moves RSS by ~100 MiB at this scale, so say what this run had.
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  const flags = process.execArgv.filter((a) => a.includes('semi-space'));
  console.log(
    `V8 new space ${((newSpace?.space_size ?? 0) / 1048576).toFixed(0)} MiB now` +
      (flags.length > 0 ? ` (${flags.join(' ')})` : ' (no semi-space flag: V8 sizes it from RAM)'),
  );
  const run = new FleetRun(opts, dataDir);
  try {
    await withDeadline(opts.timeoutSeconds, run.progress, removeDataDir, async () => {
      try {
        const profiler = new PhaseProfiler(opts.profileDir);
        const controlPlane = await run.start();
        const provisioning = await run.provision(controlPlane, profiler);
        const idle =
          opts.idleSeconds > 0
            ? await run.idle(opts.idleSeconds, provisioning, profiler)
            : undefined;
        // Measured last, so that its objects weigh neither on RSS nor on the fleet's CPU.
        run.progress.phase = 'measuring the raw store';
        const rates = await rawStoreRates(join(dataDir, 'raw'));
        printReport({ opts, rates, provisioning, idle });
      } finally {
        run.progress.phase = 'shutting down';
        await run.close();
      }
    });
  } finally {
    removeDataDir();
  }
}

if (import.meta.main) await main();
