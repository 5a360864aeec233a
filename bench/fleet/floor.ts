// The floors the fleet benchmark compares itself with: at zero latency, the time the
// store alone needs for the writes a cluster cannot do without; at any other latency,
// the critical path of the simulated machines (docs/providers/infrastructure.md,
// "Stages and latency").
import { stageDelay, type LatencyProfile } from '../../src/providers/infrastructure/sim/latency.ts';

export interface ClusterShape {
  controlPlanes: number;
  workers: number;
}

export interface StoreRates {
  createsPerSecond: number;
  updatesPerSecond: number;
}

export interface WriteCounts {
  creates: number;
  /** update, updateStatus and delete: one row rewritten each. */
  updates: number;
}

/**
 * The writes one cluster cannot do without: the ClusterDeployment's finalizer and one
 * status; its join token, PKI and kubeconfig Secrets; per machine its creation (with
 * finalizer), its boot-data Secret and one status.
 */
export function essentialWrites(shape: ClusterShape): WriteCounts {
  const machines = shape.controlPlanes + shape.workers;
  return { creates: 1 + 3 + 2 * machines, updates: 2 + machines };
}

/** Seconds the raw store needs for `writes`, at the rates measured in the same run. */
export function storeSeconds(writes: WriteCounts, rates: StoreRates): number {
  return writes.creates / rates.createsPerSecond + writes.updates / rates.updatesPerSecond;
}

/**
 * One cluster's critical path (ms) with jittered stage delays: the first control plane
 * boots (`vmProvisioning`) and its K3s comes up (`components`); only then does the API
 * answer and the workers are created, each taking `vmProvisioning + components` again.
 * Control planes beyond the first join one at a time once the API answers.
 */
export function clusterCriticalPathMs(
  profile: LatencyProfile,
  shape: ClusterShape,
  random: () => number,
): number {
  const machine = () =>
    stageDelay(profile, 'vmProvisioning', random) + stageDelay(profile, 'components', random);
  let total = machine();
  let joins = 0;
  for (let i = 1; i < shape.controlPlanes; i++) joins += machine();
  let workers = 0;
  for (let i = 0; i < shape.workers; i++) workers = Math.max(workers, machine());
  // Workers start once the API answers, in parallel with the joining control planes.
  total += Math.max(joins, workers);
  return total;
}

/**
 * The expected critical path of `clusters` clusters started together: the slowest of
 * them, averaged over `trials` draws of the profile's jitter.
 */
export function fleetCriticalPathMs(
  profile: LatencyProfile,
  shape: ClusterShape,
  clusters: number,
  trials = 200,
): number {
  let sum = 0;
  for (let t = 0; t < trials; t++) {
    let slowest = 0;
    for (let c = 0; c < clusters; c++) {
      slowest = Math.max(slowest, clusterCriticalPathMs(profile, shape, Math.random));
    }
    sum += slowest;
  }
  return sum / trials;
}
