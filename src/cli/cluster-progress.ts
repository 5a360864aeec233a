// What a ClusterDeployment on its way looks like to a person waiting for it: the verdict
// (ready, failed, still waiting), the step it is on, and its machines by phase.
import {
  ClusterDeploymentConditions,
  type ClusterDeployment,
  type Condition,
  type Machine,
} from '../api/index.ts';
import { humanDuration } from './duration.ts';

export type ClusterVerdict =
  { state: 'ready' } | { state: 'failed'; message: string } | { state: 'waiting' };

/** Conditions in the order a cluster meets them; the first not True is the current step. */
const conditionOrder: readonly string[] = Object.values(ClusterDeploymentConditions);

function orderOf(type: string): number {
  const index = conditionOrder.indexOf(type);
  return index < 0 ? conditionOrder.length : index;
}

function sortedConditions(cluster: ClusterDeployment): Condition[] {
  return [...(cluster.status?.conditions ?? [])].sort((a, b) => orderOf(a.type) - orderOf(b.type));
}

/** Whether the status describes the current spec (the controller saw the last change). */
export function statusIsCurrent(cluster: ClusterDeployment): boolean {
  const generation = cluster.metadata.generation;
  return generation === undefined || cluster.status?.observedGeneration === generation;
}

/** `InfrastructureReady=False (Provisioning): 1/4 machines provisioned` */
export function describeCondition(condition: Condition): string {
  const message = condition.message ? `: ${condition.message}` : '';
  return `${condition.type}=${condition.status} (${condition.reason})${message}`;
}

/**
 * The step the cluster is on: the first condition that is not True, else its Ready
 * condition; while the controller has not seen the latest spec, that is the step.
 */
export function currentStep(cluster: ClusterDeployment): string {
  const generation = cluster.metadata.generation;
  if (!statusIsCurrent(cluster)) {
    return `waiting for the controller to observe generation ${generation ?? '?'}`;
  }
  const conditions = sortedConditions(cluster);
  const pending = conditions.find((c) => c.status !== 'True');
  const shown = pending ?? conditions.find((c) => c.type === ClusterDeploymentConditions.Ready);
  return shown ? describeCondition(shown) : 'no conditions reported yet';
}

/**
 * Ready: condition Ready True, for the current generation, and no rollout or scale-down
 * still running (phase Ready). Failed: phase Failed for the current generation, with the
 * failing condition. Anything else is waiting — including a Failed status left from
 * before the last change, which the controller has not looked at yet.
 */
export function clusterVerdict(cluster: ClusterDeployment): ClusterVerdict {
  if (!statusIsCurrent(cluster)) return { state: 'waiting' };
  const status = cluster.status;
  const conditions = sortedConditions(cluster);
  if (status?.phase === 'Failed') {
    const failing = failingCondition(conditions);
    return {
      state: 'failed',
      message: failing ? describeCondition(failing) : 'phase Failed, no condition says why',
    };
  }
  const ready = conditions.some(
    (c) => c.type === ClusterDeploymentConditions.Ready && c.status === 'True',
  );
  const settled = status?.phase === undefined || status.phase === 'Ready';
  return ready && settled ? { state: 'ready' } : { state: 'waiting' };
}

/**
 * The condition that says why a cluster failed. The controller copies the blocking
 * condition into Ready; the original (e.g. TemplateReady) names the field better. A
 * stopped rollout is only explained in Ready itself.
 */
function failingCondition(conditions: readonly Condition[]): Condition | undefined {
  const ready = conditions.find(
    (c) => c.type === ClusterDeploymentConditions.Ready && c.status === 'False',
  );
  if (!ready) return conditions.find((c) => c.status === 'False');
  return (
    conditions.find(
      (c) =>
        c !== ready &&
        c.status === 'False' &&
        c.reason === ready.reason &&
        c.message === ready.message,
    ) ?? ready
  );
}

/** Order machines are counted in: furthest along first. */
const machinePhaseOrder = [
  'Running',
  'Bootstrapping',
  'Provisioned',
  'Provisioning',
  'Pending',
  'Deleting',
  'Failed',
] as const;

/** A machine's phase as shown: Deleting once deletion started, Pending before any status. */
function machinePhase(machine: Machine): string {
  if (machine.metadata.deletionTimestamp) return 'Deleting';
  return machine.status?.phase ?? 'Pending';
}

/** `3 Running, 1 Provisioning`, or `none`. */
export function machinesByPhase(machines: Iterable<Machine>): string {
  const counts = new Map<string, number>();
  for (const machine of machines) {
    const phase = machinePhase(machine);
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
  }
  if (counts.size === 0) return 'none';
  const rank = (phase: string) => {
    const index = (machinePhaseOrder as readonly string[]).indexOf(phase);
    return index < 0 ? machinePhaseOrder.length : index;
  };
  return [...counts.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([phase, count]) => `${count} ${phase}`)
    .join(', ');
}

/** What is shown about a cluster at one moment. */
export interface ProgressSnapshot {
  /** `clusterdeployment/demo` */
  ref: string;
  cluster: ClusterDeployment;
  /** Undefined until the machines have been listed. */
  machines?: readonly Machine[];
  /** Set when the machines cannot be watched (e.g. not allowed). */
  machinesUnavailable?: string;
}

function phaseAndNodes(cluster: ClusterDeployment): string {
  const phase = cluster.status?.phase ?? '(no phase yet)';
  const nodes = cluster.status?.readyNodes;
  return nodes ? `${phase} ${nodes} nodes` : phase;
}

function machinesText(snapshot: ProgressSnapshot): string | undefined {
  if (snapshot.machinesUnavailable) return `machines: unknown (${snapshot.machinesUnavailable})`;
  return snapshot.machines && `machines: ${machinesByPhase(snapshot.machines)}`;
}

/**
 * One line for logs, without the elapsed time (so that equal lines mean no change):
 * `Provisioning 0/4 nodes | InfrastructureReady=False (Provisioning): … | machines: 1 Running`
 */
export function progressLine(snapshot: ProgressSnapshot): string {
  const { cluster } = snapshot;
  const parts = [phaseAndNodes(cluster), currentStep(cluster), machinesText(snapshot)];
  return parts.filter((part) => part !== undefined).join(' | ');
}

/** The block redrawn on a terminal. */
export function progressBlock(snapshot: ProgressSnapshot, elapsedMs: number): string[] {
  const { cluster } = snapshot;
  const version = cluster.status?.version ? `, ${cluster.status.version}` : '';
  const machines = machinesText(snapshot);
  return [
    `${snapshot.ref}: ${phaseAndNodes(cluster)}${version} (${humanDuration(elapsedMs)})`,
    `  ${currentStep(cluster)}`,
    ...(machines ? [`  ${machines}`] : []),
  ];
}
