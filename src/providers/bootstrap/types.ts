// The bootstrap provider contract: how a Kubernetes distribution (k3s, later k0s) is
// brought up on a machine with no SSH: the cluster's PKI and token are generated up
// front, and each machine boots from rendered cloud-init. See docs/providers/bootstrap.md.
import type { TSchema } from '@sinclair/typebox';

/** The cluster's long-lived secrets, generated once and stored as Secrets. */
export interface ClusterSecretsData {
  /** File name → PEM content, as the distribution expects them (e.g. `server-ca.crt`). */
  pki: Record<string, string>;
  /** Join token in the distribution's format (K3s: `K10<ca-hash>::server:<password>`). */
  token: string;
}

export interface ClusterEndpoint {
  /** Address or name clients and joining nodes use, e.g. `10.0.0.10` or a VIP. */
  host: string;
  port: number;
  /** Optional path prefix (the sim provider serves many child clusters on one listener). */
  pathPrefix?: string;
  /** TLS server name when it differs from `host` (sim: one listener, one name per cluster). */
  tlsServerName?: string;
}

export interface MachineBootstrapInput {
  clusterName: string;
  namespace: string;
  machineName: string;
  /** Machine object uid: makes cloud-init's instance-id unique to this Machine object. */
  machineUID?: string;
  role: 'control-plane' | 'worker';
  /** The first control plane: initialises the cluster (K3s `cluster-init`). */
  initialize: boolean;
  /** Distribution version, e.g. `v1.31.4+k3s1`. */
  version: string;
  /**
   * Where the cluster's API answers: joining machines need it. Absent only for the server
   * that initialises the cluster when nothing fixes its address beforehand (DHCP without
   * a VIP); K3s names the node's own addresses in its certificate anyway.
   */
  endpoint?: ClusterEndpoint;
  secrets: ClusterSecretsData;
  /** Merged template values (node labels, taints, disabled components, air-gap, files, …). */
  values: Readonly<Record<string, unknown>>;
  /** How the first NIC is addressed (network-config v2); omitted means cloud-init's default (DHCP). */
  network?: MachineBootstrapNetwork;
  /**
   * The cluster's control-plane VIP: every server runs kube-vip holding it and names it
   * in its serving certificate. Absent: no VIP.
   */
  controlPlaneVIP?: string;
}

/** The first NIC's addressing, as network-config v2 renders it. */
export interface MachineBootstrapNetwork {
  /** `static` (the default) needs `address` and `prefix`; `dhcp` asks DHCP. */
  mode?: 'static' | 'dhcp';
  address?: string;
  prefix?: number;
  gateway?: string;
  dnsServers?: string[];
  searchDomains?: string[];
  /**
   * The NIC's MAC address (lowercase): network-config matches it and names the NIC
   * `interfaceName` (default `eth0`), so the name is known whatever the kernel calls it.
   */
  macAddress?: string;
  interfaceName?: string;
}

export interface RenderedBootstrap {
  userData: string;
  metaData: string;
  networkConfig?: string;
}

export interface BootstrapProvider {
  /** Distribution name, as in ClusterTemplate.spec.distribution.name. */
  readonly distribution: string;
  /**
   * JSON Schema (TypeBox) of the template values this provider reads, for the
   * ClusterTemplate controller to validate `defaults` against. Values it does not
   * declare are left to other consumers (infrastructure, add-ons).
   */
  readonly valuesSchema?: TSchema;
  /** New PKI and token for a cluster. Called once; the result is stored and never regenerated. */
  generateClusterSecrets(input: {
    clusterName: string;
    namespace: string;
  }): Promise<ClusterSecretsData>;
  /** The admin kubeconfig (YAML) for the cluster, from its stored secrets. */
  renderAdminKubeconfig(input: {
    clusterName: string;
    namespace: string;
    endpoint: ClusterEndpoint;
    secrets: ClusterSecretsData;
  }): Promise<string>;
  renderMachineBootstrap(input: MachineBootstrapInput): Promise<RenderedBootstrap>;
}
