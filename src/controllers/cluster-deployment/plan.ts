// The pure heart of the ClusterDeployment controller: from what exists now and what is
// wanted, the next machines to create and delete. No I/O here, so every rule is tested
// on its own (plan.test.ts).
//
// Rules (after Cluster API's KubeadmControlPlane and MachineSet):
// - Control planes change one at a time, and only while every control plane is Ready
//   and none is being deleted: a member joins or leaves etcd only when the others are
//   healthy, so quorum holds.
// - The first control plane initialises the cluster; the rest join. Workers are
//   created once the API answers.
// - Scale down removes, in order: machines annotated slipway.dev/delete-machine,
//   outdated ones, unhealthy ones, then the newest.
// - Upgrade: control planes roll with surge 1 (a new one is Ready before an old one
//   goes), then workers with maxSurge/maxUnavailable. A rollout step that fails stops
//   the rollout.
// - Remediation: a machine whose node has been NotReady longer than the threshold (or
//   that failed) is replaced, one at a time, never while more than a share of the
//   cluster is unhealthy, and never the only control plane.
import type { RolloutSettings } from './shape.ts';

export type Role = 'control-plane' | 'worker';

/** One Machine of the cluster as the planner sees it. */
export interface MachineView {
  name: string;
  role: Role;
  template: string | undefined;
  version: string;
  createdAt: string;
  deleting: boolean;
  /** Annotated slipway.dev/delete-machine: first to go on scale-down. */
  deleteRequested: boolean;
  /** Its node is registered and Ready. */
  ready: boolean;
  /** Its node registered at some point. */
  hasNode: boolean;
  /** Since when its node has not been Ready (only for a registered node). */
  notReadySince: string | undefined;
  /** The provider reported the machine Failed. */
  failed: boolean;
  failureMessage: string | undefined;
}

export interface HealthSettings {
  /** A node NotReady this long (ms) gets its machine replaced. */
  nodeNotReadyTimeoutMs: number;
  /** No remediation while more than this share (0..1) of machines is unhealthy. */
  maxUnhealthyShare: number;
  /** A machine of a rollout step not Ready this long after creation (ms) fails the step. */
  upgradeStepTimeoutMs: number;
}

export interface PlanInput {
  want: {
    controlPlanes: number;
    workers: number;
    template: string;
    version: string;
    rollout: RolloutSettings;
  };
  machines: readonly MachineView[];
  /** The child cluster's API answers. */
  apiAvailable: boolean;
  health: HealthSettings;
  now: Date;
}

export interface PlannedCreate {
  role: Role;
  initialize: boolean;
  reason: 'Initialize' | 'ScaleUp' | 'Upgrade';
}

export interface PlannedDelete {
  name: string;
  role: Role;
  reason: 'ScaleDown' | 'Upgrade' | 'Remediation';
}

/** What a part of the cluster is doing, for conditions and phase. */
export type Activity =
  'Stable' | 'Initializing' | 'ScalingUp' | 'ScalingDown' | 'Upgrading' | 'WaitingForControlPlane';

export interface Plan {
  creates: PlannedCreate[];
  deletes: PlannedDelete[];
  controlPlane: Activity;
  workers: Activity;
  /** Machines exist that are not on the wanted template and version. */
  upgrading: boolean;
  /** Why the rollout stopped, when a step failed. */
  upgradeFailure?: string;
  /** What remediation did or why it held back. */
  remediation?: string;
}

export function isCurrent(m: MachineView, want: PlanInput['want']): boolean {
  return m.template === want.template && m.version === want.version;
}

export function isUnhealthy(m: MachineView): boolean {
  return m.failed || (m.hasNode && !m.ready);
}

const newestFirst = (a: MachineView, b: MachineView) =>
  b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name);
const oldestFirst = (a: MachineView, b: MachineView) => newestFirst(b, a);

/** `count` machines to remove on scale-down, in the order of the rules above. */
export function pickForRemoval(
  machines: readonly MachineView[],
  count: number,
  want: PlanInput['want'],
): MachineView[] {
  const rank = (m: MachineView) =>
    m.deleteRequested ? 0 : !isCurrent(m, want) ? 1 : isUnhealthy(m) || !m.ready ? 2 : 3;
  return [...machines]
    .sort((a, b) => {
      const byRank = rank(a) - rank(b);
      if (byRank !== 0) return byRank;
      // Outdated machines go oldest first (a rolling update); the rest newest first.
      return rank(a) === 1 ? oldestFirst(a, b) : newestFirst(a, b);
    })
    .slice(0, Math.max(0, count));
}

/** The failure of a rollout step: a new machine that failed or never became Ready. */
function stepFailure(current: readonly MachineView[], input: PlanInput): string | undefined {
  for (const m of current) {
    if (m.failed) return `machine ${m.name} failed: ${m.failureMessage ?? 'no reason given'}`;
    const age = input.now.getTime() - Date.parse(m.createdAt);
    if (!m.ready && age >= input.health.upgradeStepTimeoutMs) {
      return `machine ${m.name} is not Ready ${Math.round(age / 1000)}s after it was created`;
    }
  }
  return undefined;
}

export function planCluster(input: PlanInput): Plan {
  const { want, machines } = input;
  const live = machines.filter((m) => !m.deleting);
  const cps = live.filter((m) => m.role === 'control-plane');
  const workers = live.filter((m) => m.role === 'worker');
  const cpsDeleting = machines.filter((m) => m.deleting && m.role === 'control-plane');
  const outdatedCps = cps.filter((m) => !isCurrent(m, want));
  const outdatedWorkers = workers.filter((m) => !isCurrent(m, want));
  const upgrading = outdatedCps.length > 0 || outdatedWorkers.length > 0;

  const plan: Plan = {
    creates: [],
    deletes: [],
    controlPlane: 'Stable',
    workers: 'Stable',
    upgrading,
  };

  if (upgrading) {
    const newOnes =
      outdatedCps.length > 0
        ? cps.filter((m) => isCurrent(m, want))
        : workers.filter((m) => isCurrent(m, want));
    const failure = stepFailure(newOnes, input);
    if (failure) plan.upgradeFailure = failure;
  }

  planControlPlane(input, plan, { cps, cpsDeleting, outdatedCps });
  planWorkers(input, plan, { cps, workers, outdatedCps, outdatedWorkers });
  if (!upgrading && plan.creates.length === 0 && plan.deletes.length === 0) {
    planRemediation(input, plan, live);
  }
  return plan;
}

function planControlPlane(
  input: PlanInput,
  plan: Plan,
  s: { cps: MachineView[]; cpsDeleting: MachineView[]; outdatedCps: MachineView[] },
): void {
  const { want } = input;
  const { cps, cpsDeleting, outdatedCps } = s;
  if (cps.length === 0) {
    // Nothing to join: the first control plane initialises the cluster, once any old
    // control plane is fully gone.
    plan.controlPlane = 'Initializing';
    if (cpsDeleting.length === 0) {
      plan.creates.push({ role: 'control-plane', initialize: true, reason: 'Initialize' });
    }
    return;
  }
  plan.controlPlane =
    outdatedCps.length > 0
      ? 'Upgrading'
      : cps.length > want.controlPlanes
        ? 'ScalingDown'
        : cps.length < want.controlPlanes
          ? 'ScalingUp'
          : 'Stable';
  const settled = cpsDeleting.length === 0 && cps.every((m) => m.ready) && input.apiAvailable;
  if (!settled || plan.upgradeFailure) return;
  if (cps.length > want.controlPlanes) {
    const [victim] = pickForRemoval(cps, 1, want);
    if (victim) {
      plan.deletes.push({
        name: victim.name,
        role: 'control-plane',
        reason: isCurrent(victim, want) ? 'ScaleDown' : 'Upgrade',
      });
    }
  } else if (cps.length < want.controlPlanes) {
    plan.creates.push({ role: 'control-plane', initialize: false, reason: 'ScaleUp' });
  } else if (outdatedCps.length > 0) {
    // Surge 1: the new control plane is Ready before an outdated one goes.
    plan.creates.push({ role: 'control-plane', initialize: false, reason: 'Upgrade' });
  }
}

function planWorkers(
  input: PlanInput,
  plan: Plan,
  s: {
    cps: MachineView[];
    workers: MachineView[];
    outdatedCps: MachineView[];
    outdatedWorkers: MachineView[];
  },
): void {
  const { want } = input;
  const { cps, workers, outdatedCps, outdatedWorkers } = s;
  // New workers join once the API answers, and never ahead of the control planes'
  // version (an agent newer than its servers breaks the version skew policy).
  const mayCreate = input.apiAvailable && cps.length > 0 && outdatedCps.length === 0;

  if (outdatedWorkers.length === 0) {
    if (workers.length < want.workers) {
      plan.workers = mayCreate ? 'ScalingUp' : 'WaitingForControlPlane';
      if (!mayCreate) return;
      for (let i = workers.length; i < want.workers; i++) {
        plan.creates.push({ role: 'worker', initialize: false, reason: 'ScaleUp' });
      }
    } else if (workers.length > want.workers) {
      plan.workers = 'ScalingDown';
      for (const victim of pickForRemoval(workers, workers.length - want.workers, want)) {
        plan.deletes.push({ name: victim.name, role: 'worker', reason: 'ScaleDown' });
      }
    }
    return;
  }

  plan.workers = outdatedCps.length > 0 ? 'WaitingForControlPlane' : 'Upgrading';
  if (!mayCreate || plan.upgradeFailure) return;
  // A rolling update in the manner of a Deployment.
  const { maxSurge, maxUnavailable } = want.rollout;
  const current = workers.filter((m) => isCurrent(m, want));
  const toCreate = Math.min(
    want.workers - current.length,
    want.workers + maxSurge - workers.length,
  );
  for (let i = 0; i < toCreate; i++) {
    plan.creates.push({ role: 'worker', initialize: false, reason: 'Upgrade' });
  }
  const available = workers.filter((m) => m.ready).length;
  let budget = available - (want.workers - maxUnavailable);
  // Outdated workers that are not Ready cost no availability; they go first.
  const removable = pickForRemoval(outdatedWorkers, outdatedWorkers.length, want).sort(
    (a, b) => Number(a.ready) - Number(b.ready),
  );
  for (const victim of removable) {
    if (victim.ready) {
      if (budget <= 0) break;
      budget--;
    }
    plan.deletes.push({ name: victim.name, role: 'worker', reason: 'Upgrade' });
  }
}

function planRemediation(input: PlanInput, plan: Plan, live: MachineView[]): void {
  if (input.machines.some((m) => m.deleting) || live.length === 0) return;
  const unhealthy = live.filter(isUnhealthy);
  const overdue = unhealthy.filter(
    (m) =>
      m.failed ||
      (m.notReadySince !== undefined &&
        input.now.getTime() - Date.parse(m.notReadySince) >= input.health.nodeNotReadyTimeoutMs),
  );
  if (overdue.length === 0) return;
  const share = unhealthy.length / live.length;
  if (share > input.health.maxUnhealthyShare) {
    plan.remediation = `not replacing unhealthy machines: ${unhealthy.length} of ${live.length} are unhealthy, more than ${Math.round(input.health.maxUnhealthyShare * 100)}%`;
    return;
  }
  const cps = live.filter((m) => m.role === 'control-plane');
  const readyCps = cps.filter((m) => m.ready).length;
  // Workers first; a control plane only when the others keep etcd quorum without it.
  const candidates = [...overdue].sort(
    (a, b) => Number(a.role === 'control-plane') - Number(b.role === 'control-plane'),
  );
  for (const m of candidates) {
    if (m.role === 'control-plane') {
      if (cps.length < 3 || readyCps < Math.floor(cps.length / 2) + 1) {
        plan.remediation = `not replacing control plane ${m.name}: the others would not keep etcd quorum`;
        continue;
      }
    }
    plan.deletes.push({ name: m.name, role: m.role, reason: 'Remediation' });
    plan.remediation = m.failed
      ? `replacing machine ${m.name}: it failed (${m.failureMessage ?? 'no reason given'})`
      : `replacing machine ${m.name}: its node has not been Ready since ${m.notReadySince ?? '?'}`;
    return;
  }
}
