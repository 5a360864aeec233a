// A simulated VM finishing its boot: K3s starts as its cloud-init says. A first server
// creates the simulated cluster with the CA it was given; joining servers and agents
// must present a token that matches the cluster they name, or the join fails as K3s's
// would. A node that joins registers itself as a kubelet does.
import type { SimClusterRegistry, SimNode } from './child-cluster-types.ts';
import { k3sCAHash, parseK3sToken, type K3sToken } from './k3s-token.ts';
import { planK3sBoot, type K3sBootPlan } from './k3s-plan.ts';

/** Progress and failure reasons of a simulated boot (also used in machine observations). */
export const SimBootReasons = {
  /** The node registered in its cluster. */
  NodeJoined: 'NodeJoined',
  /** The cluster the node names is not up (yet); K3s keeps retrying. */
  WaitingForServer: 'WaitingForServer',
  /** The cluster rejected the node's token (wrong CA hash or password). */
  JoinFailed: 'JoinFailed',
  /** The user-data cannot start K3s (unreadable, incomplete, or K3s refuses it). */
  BootFailed: 'BootFailed',
} as const;

export interface SimBootOutcome {
  status: 'joined' | 'waiting' | 'failed';
  reason: string;
  message: string;
  /** Known once the user-data was read. */
  clusterId?: string;
  nodeName?: string;
  hostname?: string;
  role?: 'server' | 'agent';
  initialize?: boolean;
}

export interface SimNodeBootInput {
  userData: string;
  metaData: string;
  /** The Machine's own identity: fallbacks for hostname and cluster (see k3s-plan.ts). */
  namespace: string;
  clusterName: string;
  machineName: string;
  /** The VM's address and provider ID, copied onto the Node. */
  address: string;
  providerID: string;
  registry: SimClusterRegistry;
  now: Date;
  /** Register the node Ready (K3s components already up) rather than NotReady. */
  ready: boolean;
}

function describe(plan: K3sBootPlan): Omit<SimBootOutcome, 'status' | 'reason' | 'message'> {
  return {
    clusterId: plan.clusterId,
    nodeName: plan.nodeName,
    hostname: plan.hostname,
    role: plan.role,
    initialize: plan.initialize,
  };
}

function failed(plan: K3sBootPlan, reason: string, message: string): SimBootOutcome {
  return { status: 'failed', reason, message, ...describe(plan) };
}

function parsedToken(plan: K3sBootPlan): K3sToken | string {
  try {
    return parseK3sToken(plan.token);
  } catch (err: unknown) {
    return `failed to normalize server token: ${(err as Error).message}`;
  }
}

/** The labels K3s and the kubelet put on a node, then the configured ones. */
function labelsOf(plan: K3sBootPlan): Record<string, string> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': 'k3s',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': plan.nodeName,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'k3s',
  };
  if (plan.role === 'server') {
    labels['node-role.kubernetes.io/control-plane'] = 'true';
    labels['node-role.kubernetes.io/master'] = 'true';
    if (plan.embeddedEtcd) labels['node-role.kubernetes.io/etcd'] = 'true';
  }
  return { ...labels, ...plan.labels };
}

async function register(plan: K3sBootPlan, input: SimNodeBootInput): Promise<SimBootOutcome> {
  // A kubelet re-registering keeps what others set on its Node (cordon, age, labels).
  const existing = input.registry.listNodes(plan.clusterId).find((n) => n.name === plan.nodeName);
  const node: SimNode = {
    name: plan.nodeName,
    role: plan.role === 'server' ? 'control-plane' : 'worker',
    ready: input.ready,
    unschedulable: existing?.unschedulable ?? false,
    kubeletVersion: plan.version,
    internalIP: plan.nodeIP ?? input.address,
    providerID: input.providerID,
    labels: { ...existing?.labels, ...labelsOf(plan) },
    taints: existing?.providerID === input.providerID ? existing.taints : plan.taints,
    creationTimestamp: existing?.creationTimestamp ?? input.now.toISOString(),
  };
  await input.registry.upsertNode(plan.clusterId, node);
  return {
    status: 'joined',
    reason: SimBootReasons.NodeJoined,
    message: `node ${plan.nodeName} registered in cluster ${plan.clusterId}`,
    ...describe(plan),
  };
}

async function initializeCluster(
  plan: K3sBootPlan,
  token: K3sToken,
  input: SimNodeBootInput,
): Promise<SimBootOutcome> {
  const ca = plan.ca;
  if (!ca) return failed(plan, SimBootReasons.BootFailed, 'first server without CA files');
  const hash = k3sCAHash(ca.serverCert);
  if (token.caHash && token.caHash !== hash) {
    return failed(
      plan,
      SimBootReasons.BootFailed,
      `starting kubernetes: preparing server: token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${hash}`,
    );
  }
  await input.registry.ensureCluster({
    id: plan.clusterId,
    serverCA: { cert: ca.serverCert, key: ca.serverKey },
    clientCA: { cert: ca.clientCert },
    tokenPassword: token.password,
    version: plan.version,
  });
  return register(plan, input);
}

async function joinCluster(
  plan: K3sBootPlan,
  token: K3sToken,
  input: SimNodeBootInput,
): Promise<SimBootOutcome> {
  const url = plan.serverUrl ?? '';
  const cluster = input.registry.getCluster(plan.clusterId);
  if (!cluster) {
    return {
      status: 'waiting',
      reason: SimBootReasons.WaitingForServer,
      message: `Failed to validate connection to cluster at ${url}: failed to get CA certs: cluster ${plan.clusterId} is not up yet; retrying`,
      ...describe(plan),
    };
  }
  const hash = k3sCAHash(cluster.serverCA.cert);
  if (token.caHash && token.caHash !== hash) {
    return failed(
      plan,
      SimBootReasons.JoinFailed,
      `Failed to validate connection to cluster at ${url}: token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${hash}`,
    );
  }
  if (token.password !== cluster.tokenPassword) {
    const path = plan.role === 'server' ? 'v1-k3s/server-bootstrap' : 'v1-k3s/serving-kubelet.crt';
    return failed(
      plan,
      SimBootReasons.JoinFailed,
      `Failed to validate connection to cluster at ${url}: ${url}/${path}: 401 Unauthorized (the token's password is not the cluster's)`,
    );
  }
  return register(plan, input);
}

/**
 * Boot K3s on a simulated VM from its user-data, acting on the simulated clusters.
 * Idempotent: booting again (a restart, a retry) re-registers the same node.
 */
export async function bootSimNode(input: SimNodeBootInput): Promise<SimBootOutcome> {
  const planned = planK3sBoot({
    userData: input.userData,
    metaData: input.metaData,
    fallbackHostname: input.machineName,
    fallbackClusterId: `${input.namespace}/${input.clusterName}`,
  });
  if (!planned.ok) return { status: 'failed', reason: planned.reason, message: planned.message };
  const plan = planned.plan;
  const token = parsedToken(plan);
  if (typeof token === 'string') return failed(plan, SimBootReasons.BootFailed, token);
  return plan.initialize ? initializeCluster(plan, token, input) : joinCluster(plan, token, input);
}
