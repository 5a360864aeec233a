// The cluster's Machines: finding them, seeing them as the planner does, and making
// new ones.
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { ClusterTemplate } from '../../api/kinds/cluster-template.ts';
import { MachineConditions, MachineReasons, type Machine } from '../../api/kinds/machine.ts';
import { ApiVersion } from '../../api/meta.ts';
import type { Store } from '../../store/types.ts';
import { findCondition } from '../conditions.ts';
import {
  Annotations,
  controllerReference,
  isControlledBy,
  isDeleting,
  Labels,
} from '../objects.ts';
import type { Values } from '../values.ts';
import { bootstrapSecretName } from './names.ts';
import type { MachineView, Role } from './plan.ts';

/** The Machine controller's finalizer (kept here so both controllers share it). */
export const machineFinalizer = 'slipway.dev/machine';

/** Annotations that record, on each Machine, what it was made with. */
export const MachineAnnotations = {
  /** Infrastructure provider the machine runs on (its template may later be deleted). */
  provider: 'slipway.dev/provider',
  /** `namespace/name` of the Credential the machine was created with. */
  credential: 'slipway.dev/credential',
} as const;

/** Machines by controller owner: the runtime's Machine informer, or the store. */
export interface MachineSource {
  byOwner(uid: string): readonly Machine[];
}

/** The Machines `cluster` controls, from the informer when given, else from the store. */
export async function listClusterMachines(
  store: Store,
  cluster: ClusterDeployment,
  source: MachineSource | undefined,
): Promise<Machine[]> {
  const uid = cluster.metadata.uid ?? '';
  if (source) return source.byOwner(uid).filter((m) => isControlledBy(m, cluster));
  const { items } = await store.list<Machine>('Machine', {
    namespace: cluster.metadata.namespace ?? '',
    labelSelector: `${Labels.cluster}=${cluster.metadata.name}`,
  });
  return items.filter((m) => isControlledBy(m, cluster));
}

export function machineView(machine: Machine): MachineView {
  const nodeReady = findCondition(machine.status?.conditions, MachineConditions.NodeReady);
  const hasNode = machine.status?.nodeName !== undefined;
  const ready = nodeReady?.status === 'True';
  const deleteMark = machine.metadata.annotations?.[Annotations.deleteMachine];
  return {
    name: machine.metadata.name,
    role: machine.spec.role,
    template: machine.spec.template,
    version: machine.spec.version,
    createdAt: machine.metadata.creationTimestamp ?? '',
    deleting: isDeleting(machine),
    deleteRequested: deleteMark !== undefined && deleteMark !== 'false',
    ready,
    hasNode,
    // A node down on purpose (its cluster hibernated) has no NotReady time to count:
    // the clock starts when it wakes and its NodeReady turns False.
    notReadySince:
      hasNode && !ready && nodeReady?.reason !== MachineReasons.Hibernated
        ? nodeReady?.lastTransitionTime
        : undefined,
    failed: machine.status?.phase === 'Failed',
    failureMessage: machine.status?.failureMessage ?? machine.status?.failureReason,
  };
}

export function isInfrastructureReady(machine: Machine): boolean {
  return (
    findCondition(machine.status?.conditions, MachineConditions.InfrastructureReady)?.status ===
    'True'
  );
}

/** Control planes not being deleted: the one that initialised the cluster first, then by age. */
export function controlPlanesInOrder(machines: readonly Machine[]): Machine[] {
  return machines
    .filter((m) => m.spec.role === 'control-plane' && !isDeleting(m))
    .sort(
      (a, b) =>
        Number(b.spec.bootstrap?.initialize === true) -
          Number(a.spec.bootstrap?.initialize === true) ||
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    );
}

/** The InternalIP a machine's provider reports. */
export function internalAddressOf(machine: Machine): string | undefined {
  return machine.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** The first control plane's InternalIP (the one that initialised the cluster, if still there). */
export function firstControlPlaneAddress(machines: readonly Machine[]): string | undefined {
  for (const m of controlPlanesInOrder(machines)) {
    const address = internalAddressOf(m);
    if (address) return address;
  }
  return undefined;
}

/** A new Machine of the cluster, controlled by it. */
export function newMachine(input: {
  cluster: ClusterDeployment;
  name: string;
  role: Role;
  initialize: boolean;
  template: ClusterTemplate;
  settings: Values;
  credentialRef: string;
  /** How its NIC is addressed (the cluster's spec.network, as it is now). */
  network?: Machine['spec']['network'];
}): Machine {
  const { cluster } = input;
  const machine: Machine = {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: {
      name: input.name,
      labels: { [Labels.cluster]: cluster.metadata.name, [Labels.role]: input.role },
      annotations: {
        [MachineAnnotations.provider]: input.template.spec.provider,
        [MachineAnnotations.credential]: input.credentialRef,
      },
      ownerReferences: [controllerReference(cluster)],
      // Set at creation, saving the Machine controller a write.
      finalizers: [machineFinalizer],
    },
    spec: {
      clusterName: cluster.metadata.name,
      role: input.role,
      version: input.template.spec.distribution.version,
      template: input.template.metadata.name,
      infrastructure: input.settings,
      ...(input.network ? { network: { ...input.network } } : {}),
      bootstrap: { dataSecretName: bootstrapSecretName(input.name), initialize: input.initialize },
    },
  };
  if (cluster.metadata.namespace) machine.metadata.namespace = cluster.metadata.namespace;
  return machine;
}
