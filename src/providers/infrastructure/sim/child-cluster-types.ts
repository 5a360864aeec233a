// The simulated child clusters' shared state: written by the simulated K3s nodes
// (node-boot.ts, as a real kubelet registers itself) and served by the simulated
// Kubernetes API (child-api/). Lives outside the controllers' memory and is persisted
// in the data directory, so a restarted server finds the clusters it had.

/** A Node as the simulated cluster reports it (a subset of core/v1 Node). */
export interface SimNode {
  name: string;
  role: 'control-plane' | 'worker';
  /** Node condition Ready. */
  ready: boolean;
  /** spec.unschedulable (cordon). */
  unschedulable: boolean;
  kubeletVersion: string;
  internalIP: string;
  providerID: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  creationTimestamp: string;
}

/** One simulated cluster, identified by `namespace/name` of its ClusterDeployment. */
export interface SimClusterInit {
  id: string;
  /** PEM of the cluster's server CA certificate and key (as written to the first server). */
  serverCA: { cert: string; key: string };
  /** PEM of the client CA certificate; admin client certificates are verified against it. */
  clientCA: { cert: string };
  /** The join token's password part; joining nodes must present it. */
  tokenPassword: string;
  version: string;
}

export interface SimClusterRegistry {
  /** Create the cluster when its first server initialises (cluster-init); idempotent. */
  ensureCluster(init: SimClusterInit): Promise<void>;
  getCluster(id: string): SimClusterInit | undefined;
  /** Add or replace a node (a booted VM registering). */
  upsertNode(clusterId: string, node: SimNode): Promise<void>;
  /** Change a node's readiness (fault injection, VM stopped). */
  setNodeReady(clusterId: string, nodeName: string, ready: boolean): Promise<void>;
  removeNode(clusterId: string, nodeName: string): Promise<void>;
  listNodes(clusterId: string): SimNode[];
  /** Drop the whole cluster (its last server VM is gone). */
  removeCluster(clusterId: string): Promise<void>;
}
