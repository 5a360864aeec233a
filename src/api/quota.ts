// Project quotas: what a cluster uses, what a project may use, and what a request would
// exceed. Pure functions over objects, no store: admission (src/apiserver/admission/quota.ts)
// refuses what does not fit, and the Project controller reports the same numbers in
// `status.usage`.
import { isPlainObject } from './json.ts';
import { QuotaResources, type Project, type QuotaResource } from './kinds/project.ts';
import type { ClusterDeployment } from './kinds/cluster-deployment.ts';
import { mergeValues, type Values } from './values.ts';

/** An amount of every quota resource (clusters, machines, vcpu, memoryMiB, diskGiB). */
export type Usage = Record<QuotaResource, number>;

/** A project's limits; an absent resource is unlimited. */
export type QuotaLimits = Partial<Record<QuotaResource, number>>;

/** One resource a request would take past its limit. */
export interface QuotaExcess {
  resource: QuotaResource;
  /** What the request asks for (the whole cluster, not the difference to its old size). */
  requested: number;
  /** What the project's other clusters already use. */
  used: number;
  limited: number;
}

/** Control planes when the merged values name none (as the cluster controller reads them). */
const defaultControlPlanes = 1;

/** `{clusters: 0, machines: 0, …}`. */
export function emptyUsage(): Usage {
  return { clusters: 0, machines: 0, vcpu: 0, memoryMiB: 0, diskGiB: 0 };
}

/** `a + b`, resource by resource. */
export function addUsage(a: Usage, b: Usage): Usage {
  const sum = emptyUsage();
  for (const resource of QuotaResources) sum[resource] = a[resource] + b[resource];
  return sum;
}

/** The same template-defaults-under-config merge the controllers build clusters from. */
export function mergeConfig(
  templateDefaults: Values | undefined,
  config: Values | undefined,
): Values {
  return mergeValues(templateDefaults, config);
}

function count(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/**
 * vCPUs of one machine: `machine.vcpu`, else `machine.cores × machine.sockets` (sockets
 * default 1), as the Proxmox provider reads them. 0 when neither is given: the quota can
 * only count sizes the values state, not a provider's own defaults.
 */
function machineVcpu(machine: Record<string, unknown>): number {
  const vcpu = count(machine['vcpu'], 0);
  if (vcpu > 0) return vcpu;
  const cores = count(machine['cores'], 0);
  return cores * (cores > 0 ? count(machine['sockets'], 1) : 0);
}

/** Boot disk `machine.diskGiB` plus every `machine.extraDisks[].sizeGiB`. */
function machineDiskGiB(machine: Record<string, unknown>): number {
  let disk = count(machine['diskGiB'], 0);
  const extra = machine['extraDisks'];
  if (Array.isArray(extra)) {
    for (const item of extra) if (isPlainObject(item)) disk += count(item['sizeGiB'], 0);
  }
  return disk;
}

/**
 * What one cluster uses, from its merged values (template defaults with `spec.config`
 * over them, see `mergeConfig`): 1 cluster; machines = `controlPlaneNumber` (default 1)
 * + `workersNumber` (default 0); per machine `machine.vcpu` (or `cores × sockets`),
 * `machine.memoryMiB` and `machine.diskGiB` (+ `extraDisks[].sizeGiB`), times machines.
 * A size the values do not state counts 0 — provider defaults (e.g. Proxmox's 2 cores,
 * 2048 MiB) are invisible here, so templates meant for quota-limited projects should
 * state their sizes in `defaults`. Values of the wrong type also count as absent;
 * the cluster controller reports them.
 *
 * @example clusterResources({ controlPlaneNumber: 1, workersNumber: 2, machine: { vcpu: 2, memoryMiB: 4096, diskGiB: 20 } })
 *   // → { clusters: 1, machines: 3, vcpu: 6, memoryMiB: 12288, diskGiB: 60 }
 */
export function clusterResources(mergedConfig: Values): Usage {
  const machines =
    count(mergedConfig['controlPlaneNumber'], defaultControlPlanes) +
    count(mergedConfig['workersNumber'], 0);
  const machine = isPlainObject(mergedConfig['machine']) ? mergedConfig['machine'] : {};
  return {
    clusters: 1,
    machines,
    vcpu: machines * machineVcpu(machine),
    memoryMiB: machines * count(machine['memoryMiB'], 0),
    diskGiB: machines * machineDiskGiB(machine),
  };
}

/** A ClusterDeployment's usage given its template's `spec.defaults` (undefined: none). */
export function clusterDeploymentResources(
  cluster: Pick<ClusterDeployment, 'spec'>,
  templateDefaults: Values | undefined,
): Usage {
  return clusterResources(mergeConfig(templateDefaults, cluster.spec.config));
}

/**
 * What a project's clusters use together: every cluster not being deleted (no
 * `deletionTimestamp`) and not named in `exclude`. `defaultsOf` gives each cluster's
 * template defaults (undefined when the template is missing: only `spec.config` counts).
 */
export function projectUsage(
  clusters: readonly ClusterDeployment[],
  defaultsOf: (cluster: ClusterDeployment) => Values | undefined,
  exclude?: string,
): Usage {
  let usage = emptyUsage();
  for (const cluster of clusters) {
    if (cluster.metadata.deletionTimestamp !== undefined) continue;
    if (exclude !== undefined && cluster.metadata.name === exclude) continue;
    usage = addUsage(usage, clusterDeploymentResources(cluster, defaultsOf(cluster)));
  }
  return usage;
}

/** Per resource `spec.quota.X ?? spec.quotaLimit.X`; absent from both means unlimited. */
export function effectiveQuota(project: Pick<Project, 'spec'>): QuotaLimits {
  const limits: QuotaLimits = {};
  for (const resource of QuotaResources) {
    const limit = project.spec.quota?.[resource] ?? project.spec.quotaLimit?.[resource];
    if (limit !== undefined) limits[resource] = limit;
  }
  return limits;
}

/**
 * Every limited resource that `used + requested` would exceed, in QuotaResources order.
 * A resource the request does not ask for (requested 0) never counts as exceeded, so a
 * project already over its quota (after the quota was lowered) can still shrink.
 */
export function exceededQuota(quota: QuotaLimits, used: Usage, requested: Usage): QuotaExcess[] {
  const excesses: QuotaExcess[] = [];
  for (const resource of QuotaResources) {
    const limited = quota[resource];
    if (limited === undefined || requested[resource] <= 0) continue;
    if (used[resource] + requested[resource] > limited) {
      excesses.push({ resource, requested: requested[resource], used: used[resource], limited });
    }
  }
  return excesses;
}

/**
 * The refusal, worded like Kubernetes' ResourceQuota admission:
 * `exceeded quota of project "P": requested machines=6,vcpu=12, used machines=4,vcpu=8, limited machines=8,vcpu=16`.
 */
export function quotaExceededMessage(project: string, excesses: readonly QuotaExcess[]): string {
  const list = (pick: (e: QuotaExcess) => number) =>
    excesses.map((e) => `${e.resource}=${pick(e)}`).join(',');
  return `exceeded quota of project "${project}": requested ${list((e) => e.requested)}, used ${list((e) => e.used)}, limited ${list((e) => e.limited)}`;
}
