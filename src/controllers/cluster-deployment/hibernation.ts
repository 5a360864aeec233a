// A hibernated cluster (`spec.hibernated: true`): the Machine controller powers every VM
// off; this controller creates, deletes, replaces and rolls out nothing meanwhile (spec
// changes wait for the wake) and says, on purpose and honestly, that the cluster is not
// Ready because it sleeps.
import {
  ClusterDeploymentConditions as Conditions,
  ClusterDeploymentReasons as Reasons,
  type ClusterDeployment,
} from '../../api/kinds/cluster-deployment.ts';
import { MachineConditions, MachineReasons, type Machine } from '../../api/kinds/machine.ts';
import {
  falseCondition,
  findCondition,
  setConditions,
  type ConditionInput,
} from '../conditions.ts';
import { isDeleting } from '../objects.ts';
import type { ClusterStatus } from './status.ts';

/** Whether a Machine has nothing running: its VM is off, or it has none (made on wake). */
export function isHibernatedMachine(machine: Machine): boolean {
  if (machine.status?.phase === 'Stopped') return true;
  const infra = findCondition(machine.status?.conditions, MachineConditions.InfrastructureReady);
  return machine.status?.phase === 'Pending' && infra?.reason === MachineReasons.Hibernated;
}

export interface HibernatedCluster {
  cluster: ClusterDeployment;
  now: Date;
  /** TemplateReady and CredentialReady, from preflight. */
  preflight: ConditionInput[];
  machines: readonly Machine[];
  /** Nodes wanted, for readyNodes. */
  wanted: number;
}

/** The status of a hibernated cluster, and whether every VM is off yet. */
export function hibernatedStatus(h: HibernatedCluster): { status: ClusterStatus; asleep: boolean } {
  const { cluster } = h;
  const live = h.machines.filter((m) => !isDeleting(m));
  const off = live.filter(isHibernatedMachine).length;
  const going = h.machines.length - live.length;
  const asleep = off === live.length && going === 0;
  const vms = `${off}/${live.length} VMs stopped`;
  const message = asleep
    ? `hibernated on purpose (spec.hibernated: true): ${vms}; set spec.hibernated to false to start them`
    : `hibernating (spec.hibernated: true): stopping VMs, ${vms}${going > 0 ? `, ${going} machines being deleted` : ''}`;
  const conditions: ConditionInput[] = [
    ...h.preflight,
    falseCondition(Conditions.InfrastructureReady, Reasons.Hibernated, vms),
    falseCondition(Conditions.ControlPlaneReady, Reasons.Hibernated, 'the cluster is hibernated'),
    falseCondition(Conditions.WorkersReady, Reasons.Hibernated, 'the cluster is hibernated'),
    falseCondition(Conditions.Ready, Reasons.Hibernated, message),
  ];
  const ready = live.filter((m) => m.status?.ready === true).length;
  const generation = cluster.metadata.generation;
  const status: ClusterStatus = {
    ...(cluster.status ?? {}),
    phase: 'Hibernated',
    conditions: setConditions(cluster.status?.conditions, conditions, h.now, generation),
    readyNodes: `${ready}/${h.wanted}`,
  };
  if (generation !== undefined) status.observedGeneration = generation;
  return { status, asleep };
}
