// The fleet benchmark's printed report: every figure beside its floor, and the
// targets of issue 3 beside what was reached.
import { defaultClusterDeploymentSettings } from '../../src/controllers/cluster-deployment/settings.ts';
import { defaultMachineSettings } from '../../src/controllers/machine.controller.ts';
import type { LatencyProfileName } from '../../src/providers/infrastructure/sim/latency.ts';
import { latencyProfiles } from '../../src/providers/infrastructure/sim/latency.ts';
import {
  essentialWrites,
  fleetCriticalPathMs,
  storeSeconds,
  type ClusterShape,
  type StoreRates,
  type WriteCounts,
} from './floor.ts';
import { summarize, type DurationSummary, type WriteSnapshot } from './recorder.ts';

export interface FleetOptions {
  clusters: number;
  workers: number;
  latency: LatencyProfileName;
  batch: number;
}

export interface BatchFigures {
  /** From the batch's first create to its last create answered. */
  createMs: number;
  /** From the batch's first create to its last cluster Ready. */
  allReadyMs: number;
  /** Each cluster's own create → Ready. */
  perClusterMs: number[];
}

export interface ProvisioningFigures {
  totalMs: number;
  allCreatedMs: number;
  batches: BatchFigures[];
  writesBefore: WriteSnapshot;
  writesAfter: WriteSnapshot;
  readsBefore: WriteSnapshot;
  readsAfter: WriteSnapshot;
  reconciles: Map<string, DurationSummary>;
  /** Reconciles per controller when the last cluster became Ready. */
  reconcilesAtReady: Map<string, number>;
  peakDepth: Map<string, number>;
  peakTotalDepth: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBefore: number;
  rssPeak: number;
  memory: NodeJS.MemoryUsage;
}

export interface IdleFigures {
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Reconcile passes by controller. */
  reconciles: Map<string, number>;
  writes: number;
  rss: number;
  rssPeak: number;
  ready: number;
}

const targets = {
  zeroLatencyMs: 60_000,
  criticalPathRatio: 1.3,
  rssBytes: 512 * 2 ** 20,
  idleCpuShare: 0.02,
};

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sec = (ms: number) => `${fmt(ms / 1000, 1)} s`;
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;
const ratio = (value: number, floor: number) => (floor > 0 ? `${fmt(value / floor, 2)}×` : 'n/a');
const line = (label: string, text: string) => console.log(`  ${label.padEnd(22)} ${text}`);
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

export function printReport(input: {
  opts: FleetOptions;
  rates: StoreRates;
  provisioning: ProvisioningFigures;
  idle: IdleFigures | undefined;
}): void {
  const { opts, rates, provisioning: p, idle } = input;
  const shape: ClusterShape = { controlPlanes: 1, workers: opts.workers };
  const profile = latencyProfiles[opts.latency];
  const perCluster = essentialWrites(shape);
  const scaled = (n: number): WriteCounts => ({
    creates: perCluster.creates * n,
    updates: perCluster.updates * n,
  });
  const storeFloorMs = (clusters: number) => storeSeconds(scaled(clusters), rates) * 1000;
  const pathFloorMs = (clusters: number) =>
    opts.latency === 'zero' ? 0 : fleetCriticalPathMs(profile, shape, clusters);
  const floorMs = (clusters: number) => Math.max(storeFloorMs(clusters), pathFloorMs(clusters));
  const fleetFloor = floorMs(opts.clusters);
  const batchFloor = floorMs(Math.min(opts.batch, opts.clusters));
  const essential = (perCluster.creates + perCluster.updates) * opts.clusters;

  console.log('');
  line(
    'raw store',
    `${fmt(rates.createsPerSecond)} creates/s, ${fmt(rates.updatesPerSecond)} updates/s (same run, sequential)`,
  );
  line(
    'floor: store',
    `${sec(storeFloorMs(opts.clusters))} (${perCluster.creates + perCluster.updates} essential writes per cluster ÷ the raw rate)`,
  );
  if (opts.latency !== 'zero') {
    const base = 2 * (profile.vmProvisioningMs + profile.componentsMs);
    line(
      'floor: critical path',
      `${sec(pathFloorMs(opts.clusters))} ("${opts.latency}": first control plane ` +
        `${sec(profile.vmProvisioningMs)} VM + ${sec(profile.componentsMs)} components, then workers the same; ` +
        `${sec(base)} without jitter, the slowest of ${opts.clusters} with jitter ${profile.jitter})`,
    );
  }

  console.log('');
  console.log(
    '  time to Ready per batch (from the batch’s first create to its last cluster Ready)',
  );
  for (const [index, b] of p.batches.entries()) {
    const own = summarize(b.perClusterMs);
    console.log(
      `    batch ${String(index + 1).padStart(3)}  created in ${sec(b.createMs).padStart(6)}` +
        `  all Ready after ${sec(b.allReadyMs).padStart(7)} (${ratio(b.allReadyMs, batchFloor)} a lone batch's floor)` +
        `  per cluster p50 ${sec(own.p50)}, p99 ${sec(own.p99)}`,
    );
  }

  console.log('');
  line(
    'overall',
    `${sec(p.totalMs)} to Ready, ${ratio(p.totalMs, fleetFloor)} the floor of ${sec(fleetFloor)}; ` +
      `all created after ${sec(p.allCreatedMs)}`,
  );
  const writes = p.writesAfter.total - p.writesBefore.total;
  const counts: WriteCounts = {
    creates: p.writesAfter.counts.creates - p.writesBefore.counts.creates,
    updates: p.writesAfter.counts.updates - p.writesBefore.counts.updates,
  };
  line(
    'store writes',
    `${fmt(writes)} (${fmt(writes / opts.clusters, 1)} per cluster, ${ratio(writes, essential)} the essential ` +
      `${fmt(essential)}), ${fmt(writes / (p.totalMs / 1000))}/s; the raw store needs ` +
      `${sec(storeSeconds(counts, rates) * 1000)} for them`,
  );
  const byKind = [...p.writesAfter.byKind]
    .map(([kind, n]) => [kind, n - (p.writesBefore.byKind.get(kind) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${fmt(n)}`)
    .join(', ');
  line('', `by kind: ${byKind}`);
  const reads = (operation: string) =>
    (p.readsAfter.byOperation.get(operation) ?? 0) -
    (p.readsBefore.byOperation.get(operation) ?? 0);
  const gets = reads('get') + reads('get-missing');
  line(
    'store reads',
    `${fmt(gets)} gets (${fmt(gets / opts.clusters, 1)} per cluster, ${fmt(reads('get-missing'))} ` +
      `of them NotFound), ${fmt(reads('list'))} lists`,
  );
  for (const [controller, s] of p.reconciles) {
    if (s.count === 0) continue;
    line(
      `reconcile ${controller}`,
      `${fmt(s.count)} passes, p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, max ${fmt(s.max)} ms`,
    );
  }
  const peaks = [...p.peakDepth]
    .filter(([, depth]) => depth > 0)
    .map(([name, depth]) => `${name} ${fmt(depth)}`)
    .join(', ');
  line('peak queue depth', `${fmt(p.peakTotalDepth)} keys in all (${peaks || 'none'})`);
  const cpuMs = p.cpuUserMs + p.cpuSystemMs;
  line(
    'CPU',
    `user ${sec(p.cpuUserMs)}, system ${sec(p.cpuSystemMs)}: ${fmt((cpuMs / p.totalMs) * 100)}% of one core ` +
      `over the run, ${fmt(cpuMs / opts.clusters, 1)} ms per cluster`,
  );
  line('RSS peak', `${mib(p.rssPeak)} (${mib(p.rssBefore)} before the first cluster)`);
  line(
    'memory at Ready',
    `JS heap ${mib(p.memory.heapUsed)} used of ${mib(p.memory.heapTotal)}, external ` +
      `${mib(p.memory.external)} (array buffers ${mib(p.memory.arrayBuffers)}), RSS ${mib(p.memory.rss)}`,
  );

  if (idle) {
    const idleCpu = (idle.cpuUserMs + idle.cpuSystemMs) / idle.wallMs;
    console.log('');
    line(
      'idle CPU',
      `${fmt(idleCpu * 100, 1)}% of one core over ${sec(idle.wallMs)} with ${fmt(idle.ready)} Ready ` +
        `clusters (user ${sec(idle.cpuUserMs)}, system ${sec(idle.cpuSystemMs)})`,
    );
    const perSecond = (n: number) => fmt(n / (idle.wallMs / 1000), 1);
    const total = [...idle.reconciles.values()].reduce((a, b) => a + b, 0);
    const byController = [...idle.reconciles]
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${c} ${perSecond(n)}`)
      .join(', ');
    line(
      'idle work',
      `${perSecond(total)} reconciles/s (${byController || 'none'}), ` +
        `${perSecond(idle.writes)} store writes/s`,
    );
    line('idle RSS', `${mib(idle.rss)} at the end, ${mib(idle.rssPeak)} peak`);
    const steady = Math.max(
      defaultMachineSettings.steadyIntervalMs,
      defaultClusterDeploymentSettings.steadyIntervalMs,
    );
    line(
      '',
      `(settled clusters are checked every ${sec(steady)}, each at its own tick spread over ` +
        `the interval: a window of ${sec(idle.wallMs)} sees ${fmt((idle.wallMs / steady) * 100)}% of the checks)`,
    );
  }

  console.log('');
  console.log('  targets (issue 3, on a 2-core machine)');
  if (opts.latency === 'zero') {
    line(
      'time to Ready',
      `${sec(p.totalMs)} for ${opts.clusters} clusters; target under ${sec(targets.zeroLatencyMs)} ` +
        `for 1,000 of 1+3: ${opts.clusters === 1000 && opts.workers === 3 ? verdict(p.totalMs < targets.zeroLatencyMs) : 'not this shape'}`,
    );
  } else {
    const r = p.totalMs / fleetFloor;
    line(
      'time to Ready',
      `${fmt(r, 2)}× the critical path; target within ${targets.criticalPathRatio}×: ${verdict(r <= targets.criticalPathRatio)}`,
    );
  }
  // The RSS and idle CPU targets are for 1,000 clusters; smaller runs say where they stand.
  const atScale = (met: boolean) =>
    opts.clusters >= 1000 ? verdict(met) : `${met ? 'under' : 'over'} (the target is for 1,000)`;
  const rss = Math.max(p.rssPeak, idle?.rssPeak ?? 0);
  line(
    'RSS',
    `${mib(rss)} peak; target under ${mib(targets.rssBytes)}: ${atScale(rss < targets.rssBytes)}`,
  );
  if (idle) {
    const share = (idle.cpuUserMs + idle.cpuSystemMs) / idle.wallMs;
    line(
      'idle CPU',
      `${fmt(share * 100, 1)}% with ${fmt(idle.ready)} Ready clusters; target under ` +
        `${fmt(targets.idleCpuShare * 100)}% with 1,000: ${atScale(share < targets.idleCpuShare)}`,
    );
  }
}
