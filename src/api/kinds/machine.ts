import { Type, type Static } from '@sinclair/typebox';
import { FreeForm, resource, statusBase } from '../meta.ts';
import { ageColumn, readyColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a Machine. */
export const MachineConditions = {
  /** The VM exists on the infrastructure, configured and started. */
  InfrastructureReady: 'InfrastructureReady',
  /** Bootstrap data (cloud-init) was rendered and delivered. */
  BootstrapReady: 'BootstrapReady',
  /** The Kubernetes node is registered and Ready. */
  NodeReady: 'NodeReady',
  /** Infrastructure, bootstrap and node are all ready. */
  Ready: 'Ready',
} as const;

/** Reasons used in Machine conditions. */
export const MachineReasons = {
  WaitingForInfrastructure: 'WaitingForInfrastructure',
  CloningVM: 'CloningVM',
  StartingVM: 'StartingVM',
  WaitingForAddress: 'WaitingForAddress',
  WaitingForBootstrapData: 'WaitingForBootstrapData',
  WaitingForNode: 'WaitingForNode',
  NodeNotReady: 'NodeNotReady',
  Draining: 'Draining',
  ProviderError: 'ProviderError',
  /** Its cluster is hibernated (`spec.hibernated`): the VM is stopped on purpose. */
  Hibernated: 'Hibernated',
  AsExpected: 'AsExpected',
} as const;

export const MachineRoles = ['control-plane', 'worker'] as const;
/** Phases a Machine reports, in the order a healthy machine passes them. */
export const MachinePhases = [
  /** Waiting for its cluster, credential or boot data. */
  'Pending',
  /** The VM is being created or started. */
  'Provisioning',
  /** The VM exists with its addresses (earlier versions; the controller now says Bootstrapping). */
  'Provisioned',
  /** The VM is running and booting from its boot data; the node has not registered yet. */
  'Bootstrapping',
  /** The node registered with the cluster (`status.nodeRef`). */
  'Running',
  /** The VM is powered off on purpose: its cluster is hibernated. */
  'Stopped',
  'Deleting',
  /** The provider reports the VM broken beyond retry (`failureReason`, `failureMessage`). */
  'Failed',
] as const;

/** The Kubernetes Node of a Machine in its child cluster. */
export const NodeReference = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    uid: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const MachineAddress = Type.Object(
  {
    type: Type.Union([
      Type.Literal('InternalIP'),
      Type.Literal('ExternalIP'),
      Type.Literal('Hostname'),
    ]),
    address: Type.String(),
  },
  { additionalProperties: false },
);

export const MachineSpec = Type.Object(
  {
    clusterName: Type.String({ minLength: 1, description: 'Owning ClusterDeployment.' }),
    role: Type.Union(MachineRoles.map((r) => Type.Literal(r))),
    version: Type.String({ minLength: 1, description: 'Kubernetes distribution version.' }),
    template: Type.Optional(
      Type.String({ description: 'ClusterTemplate this machine was built from.' }),
    ),
    providerID: Type.Optional(Type.String()),
    infrastructure: Type.Optional(
      FreeForm('Provider-specific machine settings (size, placement).'),
    ),
    network: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('static'), Type.Literal('dhcp')]),
          ipPool: Type.Optional(
            Type.String({ minLength: 1, description: 'IPPool of the static address.' }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "How the first NIC is addressed, copied from the cluster's spec.network when the machine was made. Absent: the provider decides.",
        },
      ),
    ),
    bootstrap: Type.Optional(
      Type.Object(
        {
          dataSecretName: Type.Optional(
            Type.String({ description: 'Secret holding cloud-init data.' }),
          ),
          initialize: Type.Optional(
            Type.Boolean({ description: 'First control plane: cluster-init.' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MachineStatus = Type.Object(
  {
    ...statusBase,
    phase: Type.Optional(Type.Union(MachinePhases.map((p) => Type.Literal(p)))),
    providerID: Type.Optional(Type.String()),
    addresses: Type.Optional(Type.Array(MachineAddress)),
    nodeRef: Type.Optional(NodeReference),
    nodeName: Type.Optional(
      Type.String({ description: 'The node name, as in nodeRef (kept for older clients).' }),
    ),
    ready: Type.Optional(Type.Boolean()),
    failureReason: Type.Optional(Type.String()),
    failureMessage: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Machine = resource(
  'Machine',
  { spec: MachineSpec, status: Type.Optional(MachineStatus) },
  'One node of a cluster. Owned by its ClusterDeployment.',
);
export type Machine = Static<typeof Machine>;

export const machineKind: KindDefinition = {
  kind: 'Machine',
  plural: 'machines',
  singular: 'machine',
  shortNames: ['ma'],
  namespaced: true,
  schema: Machine,
  nameFormat: 'label',
  hasStatus: true,
  columns: [
    { name: 'CLUSTER', jsonPath: '.spec.clusterName' },
    { name: 'ROLE', jsonPath: '.spec.role' },
    { name: 'PHASE', jsonPath: '.status.phase' },
    readyColumn,
    { name: 'VERSION', jsonPath: '.spec.version' },
    { name: 'ADDRESS', jsonPath: '.status.addresses[0].address', wide: true },
    { name: 'PROVIDERID', jsonPath: '.status.providerID', wide: true },
    ageColumn,
  ],
};
