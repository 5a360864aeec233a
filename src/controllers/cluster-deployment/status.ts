// The status a ClusterDeployment reports: conditions, phase and counts, all derived
// from what was observed in this pass. Waiting is not failure: a cluster on its way
// says what it waits for, and only a real failure says Failed.
import {
  ClusterDeploymentConditions as Conditions,
  ClusterDeploymentReasons as Reasons,
  type ClusterDeployment,
} from '../../api/kinds/cluster-deployment.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import type { ClusterEndpoint } from '../../providers/bootstrap/types.ts';
import {
  falseCondition,
  setConditions,
  trueCondition,
  type ConditionInput,
} from '../conditions.ts';
import { isInfrastructureReady } from './machines.ts';
import type { Activity, MachineView, Plan } from './plan.ts';

export type ClusterStatus = NonNullable<ClusterDeployment['status']>;
export type ClusterPhase = NonNullable<ClusterStatus['phase']>;

export interface ObservedCluster {
  cluster: ClusterDeployment;
  now: Date;
  /** TemplateReady and CredentialReady, from preflight. */
  preflight: ConditionInput[];
  want: { controlPlanes: number; workers: number; version: string };
  machines: readonly Machine[];
  views: readonly MachineView[];
  plan: Plan;
  apiAvailable: boolean;
  endpoint: ClusterEndpoint | undefined;
  kubeconfigSecret: string | undefined;
  availableUpgrades: string[];
  /** Something that keeps machines from being made (secrets, endpoint), if any. */
  blocker: ConditionInput | undefined;
}

function activityReason(activity: Activity): string {
  switch (activity) {
    case 'ScalingUp':
      return Reasons.ScalingUp;
    case 'ScalingDown':
      return Reasons.ScalingDown;
    case 'Upgrading':
      return Reasons.Upgrading;
    case 'Initializing':
      return Reasons.Provisioning;
    default:
      return Reasons.WaitingForNodes;
  }
}

/** Whether this cluster has yet to come up for the first time. */
function stillProvisioning(cluster: ClusterDeployment, views: readonly MachineView[]): boolean {
  const previous = cluster.status?.phase;
  // A cluster waking from hibernation comes up again as it did the first time.
  if (previous === undefined || previous === 'Provisioning' || previous === 'Hibernated') {
    return true;
  }
  return previous === 'Failed' && !views.some((v) => v.hasNode);
}

export function observedStatus(o: ObservedCluster): ClusterStatus {
  const { cluster, plan, want } = o;
  const live = o.views.filter((v) => !v.deleting);
  const cps = live.filter((v) => v.role === 'control-plane');
  const workers = live.filter((v) => v.role === 'worker');
  const readyCps = cps.filter((v) => v.ready).length;
  const readyWorkers = workers.filter((v) => v.ready).length;
  const provisioned = o.machines.filter(
    (m) => !m.metadata.deletionTimestamp && isInfrastructureReady(m),
  ).length;
  const wanted = want.controlPlanes + want.workers;

  const conditions: ConditionInput[] = [...o.preflight];
  conditions.push(
    o.blocker
      ? { ...o.blocker, type: Conditions.InfrastructureReady }
      : provisioned >= wanted && live.length >= wanted
        ? trueCondition(
            Conditions.InfrastructureReady,
            Reasons.AsExpected,
            `${provisioned} machines provisioned`,
          )
        : falseCondition(
            Conditions.InfrastructureReady,
            Reasons.Provisioning,
            `${provisioned}/${wanted} machines provisioned`,
          ),
  );
  const controlPlaneReady = o.apiAvailable && readyCps >= want.controlPlanes;
  const apiNote = o.apiAvailable ? 'the API answers' : 'the API does not answer yet';
  conditions.push(
    controlPlaneReady
      ? trueCondition(
          Conditions.ControlPlaneReady,
          Reasons.AsExpected,
          `${readyCps}/${want.controlPlanes} control-plane nodes Ready; ${apiNote}`,
        )
      : falseCondition(
          Conditions.ControlPlaneReady,
          plan.upgradeFailure ? Reasons.UpgradeFailed : activityReason(plan.controlPlane),
          `${readyCps}/${want.controlPlanes} control-plane nodes Ready; ${apiNote}`,
        ),
  );
  const workersReady = readyWorkers >= want.workers && (want.workers === 0 || o.apiAvailable);
  conditions.push(
    workersReady
      ? trueCondition(
          Conditions.WorkersReady,
          Reasons.AsExpected,
          `${readyWorkers}/${want.workers} worker nodes Ready`,
        )
      : falseCondition(
          Conditions.WorkersReady,
          plan.workers === 'WaitingForControlPlane'
            ? Reasons.WaitingForNodes
            : activityReason(plan.workers),
          `${readyWorkers}/${want.workers} worker nodes Ready${plan.workers === 'WaitingForControlPlane' ? '; workers join once the control plane is up' : ''}`,
        ),
  );
  const ready = controlPlaneReady && workersReady;
  const readyNodes = `${readyCps + readyWorkers}/${wanted}`;
  let readyCondition: ConditionInput;
  if (ready) {
    readyCondition = trueCondition(
      Conditions.Ready,
      Reasons.AsExpected,
      `${readyNodes} nodes Ready`,
    );
  } else if (o.blocker) {
    readyCondition = { ...o.blocker, type: Conditions.Ready };
  } else if (plan.upgradeFailure) {
    readyCondition = falseCondition(Conditions.Ready, Reasons.UpgradeFailed, plan.upgradeFailure);
  } else if (!o.apiAvailable) {
    readyCondition = falseCondition(
      Conditions.Ready,
      Reasons.Provisioning,
      `waiting for the cluster API to answer; ${readyNodes} nodes Ready`,
    );
  } else {
    readyCondition = falseCondition(
      Conditions.Ready,
      Reasons.WaitingForNodes,
      `${readyNodes} nodes Ready`,
    );
  }
  if (!ready && plan.remediation) {
    readyCondition = {
      ...readyCondition,
      message: `${readyCondition.message ?? ''}; ${plan.remediation}`,
    };
  }
  conditions.push(readyCondition);

  const changing =
    plan.creates.length > 0 ||
    plan.deletes.length > 0 ||
    o.views.some((v) => v.deleting) ||
    cps.length !== want.controlPlanes ||
    workers.length !== want.workers;
  // A machine just added (by a scale-up or a replacement) whose node has not registered
  // yet is on its way, not a sign of a degraded cluster.
  const comingUp = (v: MachineView): boolean => !v.ready && !v.failed && !v.hasNode;
  let phase: ClusterPhase;
  if (plan.upgradeFailure) phase = 'Failed';
  else if (plan.upgrading) phase = 'Upgrading';
  else if (ready) phase = changing ? 'Scaling' : 'Ready';
  else if (stillProvisioning(cluster, o.views)) phase = 'Provisioning';
  else if (
    (changing || live.some(comingUp)) &&
    !live.some((v) => v.hasNode && !v.ready && !comingUp(v))
  )
    phase = 'Scaling';
  else phase = 'Degraded';

  const generation = cluster.metadata.generation;
  const status: ClusterStatus = {
    ...(cluster.status ?? {}),
    phase,
    conditions: setConditions(cluster.status?.conditions, conditions, o.now, generation),
    readyNodes,
    version: clusterVersion(o.views, want.version),
    availableUpgrades: o.availableUpgrades,
  };
  if (generation !== undefined) status.observedGeneration = generation;
  if (o.endpoint) status.controlPlaneEndpoint = { host: o.endpoint.host, port: o.endpoint.port };
  if (o.kubeconfigSecret) status.kubeconfigSecret = o.kubeconfigSecret;
  return status;
}

/** The version the control planes run: the old one until every one of them is upgraded. */
function clusterVersion(views: readonly MachineView[], wanted: string): string {
  const cps = views.filter((v) => !v.deleting && v.role === 'control-plane');
  const outdated = cps.find((v) => v.version !== wanted);
  return outdated?.version ?? wanted;
}

/** Status while preflight blocks: nothing is created, and the blocker says why. */
export function blockedStatus(input: {
  cluster: ClusterDeployment;
  now: Date;
  conditions: ConditionInput[];
  blocker: ConditionInput;
  waiting: boolean;
  hasMachines: boolean;
}): ClusterStatus {
  const { cluster, blocker } = input;
  const generation = cluster.metadata.generation;
  const readyCondition: ConditionInput = { ...blocker, type: Conditions.Ready };
  // Bad input is a failure even for a running cluster: the change asked for cannot be
  // made until it is fixed. Waiting for a credential check is not.
  const phase: ClusterPhase = !input.waiting
    ? 'Failed'
    : input.hasMachines
      ? (cluster.status?.phase ?? 'Provisioning')
      : 'Provisioning';
  const status: ClusterStatus = {
    ...(cluster.status ?? {}),
    phase,
    conditions: setConditions(
      cluster.status?.conditions,
      [...input.conditions, readyCondition],
      input.now,
      generation,
    ),
  };
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}

/** Status while the cluster is being deleted. */
export function deletingStatus(
  cluster: ClusterDeployment,
  now: Date,
  message: string,
): ClusterStatus {
  const status: ClusterStatus = {
    ...(cluster.status ?? {}),
    phase: 'Deleting',
    conditions: setConditions(
      cluster.status?.conditions,
      [falseCondition(Conditions.Ready, Reasons.Deleting, message)],
      now,
      cluster.metadata.generation,
    ),
  };
  return status;
}
