// A Machine of a hibernated cluster (`spec.hibernated: true`): its VM is powered off
// through the provider (MachineRequest.powerState 'Off') and kept, nothing is created,
// started or replaced. Pure status-making, so every case is tested on its own.
import {
  MachineConditions as Conditions,
  MachineReasons as Reasons,
  type Machine,
} from '../api/kinds/machine.ts';
import type { MachineObservation } from '../providers/infrastructure/types.ts';
import { falseCondition, unknownCondition, type ConditionInput } from './conditions.ts';
import type { MachinePhase } from './machine-node.ts';

export interface HibernatedStep {
  phase: MachinePhase;
  conditions: ConditionInput[];
  /** The VM is off (or there is none): nothing is left to do until the cluster wakes. */
  settled: boolean;
  /** The providerID, when known. */
  providerID?: string;
}

/** Whether the provider should be asked to power the VM off (it is not off yet). */
export function needsPowerOff(observed: MachineObservation | undefined): boolean {
  return observed !== undefined && observed.state !== 'Stopped' && observed.state !== 'Failed';
}

/**
 * The phase and conditions of a hibernated cluster's Machine, from what the provider
 * reports (undefined: the machine has no VM, and none is made while hibernated).
 * NodeReady turns Unknown with reason Hibernated, so the planner knows the node is down
 * on purpose, and the time it went NotReady starts again when the cluster wakes.
 */
export function hibernatedStep(
  machine: Machine,
  observed: MachineObservation | undefined,
  bootstrapReady: ConditionInput,
): HibernatedStep {
  const node = unknownCondition(
    Conditions.NodeReady,
    Reasons.Hibernated,
    'the VM is stopped on purpose: the cluster is hibernated',
  );
  if (!observed) {
    const message = 'no VM; it is created when the cluster wakes (spec.hibernated: false)';
    return {
      phase: 'Pending',
      settled: true,
      conditions: [
        falseCondition(Conditions.InfrastructureReady, Reasons.Hibernated, message),
        bootstrapReady,
        node,
        falseCondition(Conditions.Ready, Reasons.Hibernated, message),
      ],
    };
  }
  const id = observed.providerID ?? machine.status?.providerID ?? '';
  const providerID = id === '' ? {} : { providerID: id };
  if (observed.state === 'Stopped') {
    const message = `VM ${id} is stopped: the cluster is hibernated`;
    return {
      phase: 'Stopped',
      settled: true,
      ...providerID,
      conditions: [
        falseCondition(Conditions.InfrastructureReady, Reasons.Hibernated, message),
        bootstrapReady,
        node,
        falseCondition(Conditions.Ready, Reasons.Hibernated, message),
      ],
    };
  }
  const message = `stopping VM ${id} for hibernation: ${observed.message ?? observed.reason}`;
  return {
    phase: machine.status?.phase ?? 'Provisioning',
    settled: false,
    ...providerID,
    conditions: [
      falseCondition(Conditions.InfrastructureReady, observed.reason, message),
      bootstrapReady,
      node,
      falseCondition(Conditions.Ready, Reasons.Hibernated, message),
    ],
  };
}

/**
 * The Machine of a cluster that woke up, as the next status is built on: NodeReady of
 * the hibernation is dropped, so its new NodeReady (Unknown while the API comes back,
 * False until the node is Ready) counts its time from the wake, not from when the VM
 * was stopped; else the planner would replace every node as NotReady for too long.
 */
export function awake(machine: Machine): Machine {
  const conditions = machine.status?.conditions;
  const node = conditions?.find((c) => c.type === Conditions.NodeReady);
  if (!machine.status || !conditions || node?.reason !== Reasons.Hibernated) return machine;
  return {
    ...machine,
    status: {
      ...machine.status,
      conditions: conditions.filter((c) => c.type !== Conditions.NodeReady),
    },
  };
}
