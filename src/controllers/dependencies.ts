// What the controllers need from the rest of Slipway, as narrow interfaces: the
// composition root (src/server.ts) passes the real registries, child-cluster client
// factory and event recorder; tests pass the same real things, or fakes.
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { BootstrapProvider, ClusterEndpoint } from '../providers/bootstrap/types.ts';
import type { InfrastructureProvider } from '../providers/infrastructure/types.ts';
import type { EventRecorder } from './runtime/events.ts';

/** Infrastructure providers by name (`sim`, `proxmox`, …). */
export interface InfrastructureProviders {
  get(name: string): InfrastructureProvider | undefined;
}

/** Bootstrap providers by distribution name (`k3s`, …). */
export interface BootstrapProviders {
  get(distribution: string): BootstrapProvider | undefined;
}

/**
 * Where a cluster's API answers. `sim` clusters are served by the simulated child API
 * (known before any VM exists); real providers answer from the first control plane's
 * address (or, later, a VIP), so they answer undefined until that address is known.
 */
export type EndpointResolver = (
  provider: string,
  cluster: ClusterDeployment,
  firstControlPlaneAddress: string | undefined,
) => ClusterEndpoint | undefined;

/**
 * Records Events for timelines (the runtime's EventRecorder: deduplicated with counts,
 * never rejects, so callers need not wait for it).
 */
export type Events = Pick<EventRecorder, 'record'>;

/** A recorder that drops everything (tests that do not look at events). */
export const discardEvents: Events = { record: () => Promise.resolve() };

/** A node of a child cluster, as the controllers need it. */
export interface ChildNode {
  name: string;
  providerID?: string;
  ready: boolean;
  unschedulable: boolean;
}

/** The child cluster's API, reached with its admin kubeconfig. */
export interface ChildClusterClient {
  /** The API answers (`/readyz`); false (never a throw) when it does not. */
  ready(signal?: AbortSignal): Promise<boolean>;
  listNodes(signal?: AbortSignal): Promise<ChildNode[]>;
  cordon(nodeName: string, signal?: AbortSignal): Promise<void>;
  /** Evict the node's pods; resolves once none is left (or throws to retry). */
  drain(nodeName: string, signal?: AbortSignal): Promise<void>;
  /** Remove the Node object; a node already gone counts as deleted. */
  deleteNode(nodeName: string, signal?: AbortSignal): Promise<void>;
}

/** A client for the cluster that `kubeconfig` (YAML) describes. */
export type ChildClusterClientFactory = (kubeconfig: string) => ChildClusterClient;
