import { Type, type Static } from '@sinclair/typebox';
import type { FieldCause } from '../errors.ts';
import { parseAddress } from '../ip-ranges.ts';
import { FreeForm, resource, statusBase } from '../meta.ts';
import { ageColumn, readyColumn, type KindDefinition } from '../kind.ts';

/** Condition types of a ClusterDeployment. */
export const ClusterDeploymentConditions = {
  /** The template exists, is valid and is usable from this namespace. */
  TemplateReady: 'TemplateReady',
  /** The credential exists, works and is usable from this namespace. */
  CredentialReady: 'CredentialReady',
  /** Machines exist on the infrastructure with their addresses. */
  InfrastructureReady: 'InfrastructureReady',
  /** The wanted control-plane nodes are Ready and the API answers. */
  ControlPlaneReady: 'ControlPlaneReady',
  /** The wanted worker nodes are Ready. */
  WorkersReady: 'WorkersReady',
  /** The child API answers and every wanted node is Ready. */
  Ready: 'Ready',
} as const;

/** Reasons used in ClusterDeployment conditions. */
export const ClusterDeploymentReasons = {
  TemplateNotFound: 'TemplateNotFound',
  TemplateInvalid: 'TemplateInvalid',
  CredentialNotFound: 'CredentialNotFound',
  CredentialNotReady: 'CredentialNotReady',
  /** `spec.config` merged with the template defaults does not match the values schema. */
  InvalidConfig: 'InvalidConfig',
  /** A Secret the cluster needs exists but is not the cluster's own. */
  ClusterSecretsConflict: 'ClusterSecretsConflict',
  /** `spec.network` contradicts itself (see the message for the field). */
  InvalidNetwork: 'InvalidNetwork',
  /** Machines are being created or started. */
  Provisioning: 'Provisioning',
  /** Waiting for nodes to report Ready; not a failure. */
  WaitingForNodes: 'WaitingForNodes',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Upgrading: 'Upgrading',
  UpgradeFailed: 'UpgradeFailed',
  Deleting: 'Deleting',
  /** `spec.hibernated`: the VMs are stopped (or being stopped) on purpose. */
  Hibernated: 'Hibernated',
  /** The lifetime policy's deadline passed; the cluster is being deleted. */
  Expired: 'Expired',
  /** Everything wanted is there and healthy. */
  AsExpected: 'AsExpected',
} as const;

/** Phases a ClusterDeployment reports, in the order a healthy cluster passes them. */
export const ClusterDeploymentPhases = [
  'Provisioning',
  'Ready',
  'Scaling',
  'Upgrading',
  'Degraded',
  'Deleting',
  'Hibernated',
  'Failed',
] as const;

export const ClusterConfig = Type.Object(
  {
    controlPlaneNumber: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Control-plane nodes: 1, 3 or 5.' }),
    ),
    workersNumber: Type.Optional(Type.Integer({ minimum: 0, description: 'Worker nodes.' })),
  },
  {
    additionalProperties: true,
    description:
      'Values for the template; merged over its defaults and validated against its valuesSchema.',
  },
);

export const ServiceSpec = Type.Object(
  {
    template: Type.String({ minLength: 1, description: 'ServiceTemplate name.' }),
    name: Type.String({ minLength: 1, description: 'Release name in the child cluster.' }),
    namespace: Type.Optional(Type.String({ description: 'Namespace in the child cluster.' })),
    values: Type.Optional(FreeForm('Values for the service template.')),
    dependsOn: Type.Optional(
      Type.Array(Type.String(), { description: 'Services installed first.' }),
    ),
    disable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** How machines get addresses: from a pool (static), or from DHCP. */
export const ClusterNetworkModes = ['static', 'dhcp'] as const;

export const ClusterNetwork = Type.Object(
  {
    ipPool: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'IPPool the machines (static mode) and the control-plane VIP get addresses from.',
      }),
    ),
    mode: Type.Optional(
      Type.Union(
        ClusterNetworkModes.map((m) => Type.Literal(m)),
        {
          description:
            'static (the default with an ipPool): each machine gets an address from the pool in its network-config; dhcp: machines ask DHCP and the provider reports what they got.',
        },
      ),
    ),
    controlPlaneVIP: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          '"auto" (the default with an ipPool and more than one control plane): a VIP from the pool, held by kube-vip; "none"; or an address to use as the VIP.',
      }),
    ),
    blockSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4096,
        description:
          'Keep a contiguous block of this many addresses in the pool for this cluster; its machines and VIP are given addresses from it only.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ClusterNetwork = Static<typeof ClusterNetwork>;

/**
 * What is wrong with `spec.network` beyond its schema, with field paths. Admission
 * answers these as a 422, and the controller as an InvalidNetwork condition.
 */
export function clusterNetworkProblems(
  network: ClusterNetwork | undefined,
  field = 'spec.network',
): FieldCause[] {
  if (!network) return [];
  const causes: FieldCause[] = [];
  const problem = (path: string, message: string) =>
    causes.push({ field: `${field}.${path}`, message, reason: 'FieldValueInvalid' });
  const vip = network.controlPlaneVIP;
  if (vip !== undefined && vip !== 'auto' && vip !== 'none' && !parseAddress(vip)) {
    problem('controlPlaneVIP', `"${vip}" is not "auto", "none" or an IP address`);
  }
  if (network.ipPool === undefined) {
    if (network.mode === 'static') {
      problem('ipPool', 'static addresses need a pool to come from');
    }
    if (vip === 'auto') problem('ipPool', 'controlPlaneVIP "auto" needs a pool to come from');
    if (network.blockSize !== undefined) problem('ipPool', 'blockSize needs a pool');
  }
  return causes;
}

export const ClusterDeploymentSpec = Type.Object(
  {
    template: Type.String({ minLength: 1, description: 'ClusterTemplate name.' }),
    credential: Type.String({ minLength: 1, description: 'Credential name.' }),
    config: Type.Optional(ClusterConfig),
    network: Type.Optional(ClusterNetwork),
    services: Type.Optional(Type.Array(ServiceSpec)),
    paused: Type.Optional(Type.Boolean({ description: 'Stop reconciling this cluster.' })),
    hibernated: Type.Optional(
      Type.Boolean({
        description:
          'Stop every VM of the cluster (nothing is deleted); false or absent starts them again.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ServiceStatus = Type.Object(
  {
    name: Type.String(),
    template: Type.String(),
    state: Type.String(),
    message: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ClusterDeploymentStatus = Type.Object(
  {
    ...statusBase,
    phase: Type.Optional(Type.Union(ClusterDeploymentPhases.map((p) => Type.Literal(p)))),
    controlPlaneEndpoint: Type.Optional(
      Type.Object({ host: Type.String(), port: Type.Integer() }, { additionalProperties: false }),
    ),
    readyNodes: Type.Optional(Type.String({ description: 'Ready nodes as "X/Y".' })),
    version: Type.Optional(Type.String()),
    availableUpgrades: Type.Optional(Type.Array(Type.String())),
    kubeconfigSecret: Type.Optional(Type.String()),
    services: Type.Optional(Type.Array(ServiceStatus)),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'When the lifetime policy of its project or template deletes this cluster (absent: never).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ClusterDeployment = resource(
  'ClusterDeployment',
  { spec: ClusterDeploymentSpec, status: Type.Optional(ClusterDeploymentStatus) },
  'A cluster a user wants, built from a ClusterTemplate with a Credential.',
);
export type ClusterDeployment = Static<typeof ClusterDeployment>;

export const clusterDeploymentKind: KindDefinition = {
  kind: 'ClusterDeployment',
  plural: 'clusterdeployments',
  singular: 'clusterdeployment',
  shortNames: ['cld', 'cluster', 'clusters'],
  namespaced: true,
  schema: ClusterDeployment,
  nameFormat: 'label',
  hasStatus: true,
  columns: [
    { name: 'TEMPLATE', jsonPath: '.spec.template' },
    { name: 'PHASE', jsonPath: '.status.phase' },
    { name: 'NODES', jsonPath: '.status.readyNodes' },
    readyColumn,
    { name: 'VERSION', jsonPath: '.status.version', wide: true },
    { name: 'ENDPOINT', jsonPath: '.status.controlPlaneEndpoint.host', wide: true },
    ageColumn,
  ],
};
