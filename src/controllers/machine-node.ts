// The Machine's node step: from the VM a provider reports Running and what the child
// API says about the node, the phase, NodeReady condition and node reference. Pure, so
// every case is tested without a cluster (machine-node.test.ts).
import {
  MachineConditions as Conditions,
  MachineReasons as Reasons,
} from '../api/kinds/machine.ts';
import type { Machine } from '../api/kinds/machine.ts';
import {
  MachineRunningReason,
  type MachineObservation,
} from '../providers/infrastructure/types.ts';
import {
  falseCondition,
  trueCondition,
  unknownCondition,
  type ConditionInput,
} from './conditions.ts';
import type { ChildNode } from './dependencies.ts';

type MachineStatus = NonNullable<Machine['status']>;
export type MachinePhase = NonNullable<MachineStatus['phase']>;
export type NodeRef = NonNullable<MachineStatus['nodeRef']>;

/** How the node of a machine looks from the child API. */
export type NodeLookup =
  | { state: 'found'; node: ChildNode }
  | { state: 'absent' }
  | { state: 'unreachable'; message: string };

export interface NodeStep {
  phase: MachinePhase;
  nodeCondition: ConditionInput;
  /** The node, when known: set on the status. Undefined: keep what the status holds. */
  nodeRef?: NodeRef;
  /** The node is known to be gone: remove `nodeRef` and `nodeName` from the status. */
  forgetNode: boolean;
}

function nodeRefOf(node: ChildNode): NodeRef {
  return node.uid ? { name: node.name, uid: node.uid } : { name: node.name };
}

/**
 * What the provider says about the boot of a Running VM whose node has not registered,
 * if anything: a reason other than the plain MachineRunningReason (e.g. `JoinFailed`).
 */
function bootReport(observed: MachineObservation): ConditionInput | undefined {
  if (observed.reason === '' || observed.reason === MachineRunningReason) return undefined;
  return falseCondition(Conditions.NodeReady, observed.reason, observed.message ?? observed.reason);
}

/** The node step of a machine whose VM the provider reports Running. */
export function nodeStep(
  machine: Machine,
  observed: MachineObservation,
  lookup: NodeLookup,
): NodeStep {
  if (lookup.state === 'found') {
    const { node } = lookup;
    return {
      phase: 'Running',
      nodeCondition: node.ready
        ? trueCondition(Conditions.NodeReady, Reasons.AsExpected, `node ${node.name} is Ready`)
        : falseCondition(
            Conditions.NodeReady,
            Reasons.NodeNotReady,
            `node ${node.name} is not Ready`,
          ),
      nodeRef: nodeRefOf(node),
      forgetNode: false,
    };
  }
  const knownNode = machine.status?.nodeRef?.name ?? machine.status?.nodeName;
  if (lookup.state === 'unreachable' && knownNode !== undefined) {
    // The API not answering says nothing about this node: keep what was known.
    return {
      phase: 'Running',
      nodeCondition: unknownCondition(
        Conditions.NodeReady,
        Reasons.WaitingForNode,
        `cannot reach the cluster API: ${lookup.message}`,
      ),
      forgetNode: false,
    };
  }
  // The VM runs and boots; its node has not registered (or cannot be seen yet). A boot
  // the provider reports stuck or failed says more than "waiting".
  const waiting =
    lookup.state === 'absent'
      ? falseCondition(
          Conditions.NodeReady,
          Reasons.WaitingForNode,
          'the node has not registered with the cluster yet',
        )
      : unknownCondition(
          Conditions.NodeReady,
          Reasons.WaitingForNode,
          `cannot reach the cluster API: ${lookup.message}`,
        );
  return {
    phase: 'Bootstrapping',
    nodeCondition: bootReport(observed) ?? waiting,
    forgetNode: lookup.state === 'absent',
  };
}
