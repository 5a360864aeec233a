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

/** What the controllers know of where a cluster's API could answer. */
export interface EndpointHints {
  /** The cluster's control-plane VIP, when it has one. */
  vip?: string;
  /** The first control plane's address: static (from its IPAddress) or reported by the provider. */
  firstControlPlaneAddress?: string;
}

/**
 * Where a cluster's API answers. `sim` clusters are served by the simulated child API
 * (known before any VM exists); real providers answer at the VIP when the cluster has
 * one, else at the first control plane's address, and undefined until one is known.
 * See createEndpointResolver (endpoint.ts). Callers may ask first with fewer hints and
 * again with more when the answer is undefined (the first control plane's address costs
 * reads).
 */
export type EndpointResolver = (
  provider: string,
  cluster: ClusterDeployment,
  hints: EndpointHints,
) => ClusterEndpoint | undefined;

/**
 * Records Events for timelines (the runtime's EventRecorder: deduplicated with counts,
 * never rejects, so callers need not wait for it).
 */
export type Events = Pick<EventRecorder, 'record'>;

/** A recorder that drops everything (tests that do not look at events). */
export const discardEvents: Events = { record: () => Promise.resolve() };

/** A node of a child cluster, as the controllers need it (src/childcluster NodeInfo). */
export interface ChildNode {
  name: string;
  /** metadata.uid, when the API reports one. */
  uid?: string;
  /** spec.providerID, or '' when unset. */
  providerID: string;
  ready: boolean;
  unschedulable: boolean;
}

/**
 * The child cluster's API, reached with its admin kubeconfig: the part of
 * src/childcluster's ChildClusterClient the controllers use.
 */
export interface ChildClusterClient {
  /** The API answers (`/readyz`); never throws: `ok` is false and `message` says why. */
  ready(signal?: AbortSignal): Promise<{ ok: boolean; reason: string; message: string }>;
  listNodes(signal?: AbortSignal): Promise<ChildNode[]>;
  cordon(nodeName: string, signal?: AbortSignal): Promise<void>;
  /** Cordon and evict the node's pods, giving up after `timeoutMs`. */
  drain(
    nodeName: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<{ evicted: number; remaining: number }>;
  /** Remove the Node object; a node already gone counts as deleted. */
  deleteNode(nodeName: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A client for the cluster that `kubeconfig` (YAML) describes. */
export type ChildClusterClientFactory = (kubeconfig: string) => ChildClusterClient;

/**
 * Child-cluster clients by cluster uid, made again when the kubeconfig changes. One cache
 * shared by the ClusterDeployment and Machine controllers keeps one client (and one
 * pooled TLS connection) per cluster instead of one per controller.
 */
export class ChildClientCache {
  readonly #factory: ChildClusterClientFactory;
  readonly #now: () => number;
  readonly #clients = new Map<string, CachedClient>();

  /** `now` in milliseconds (default `performance.now`), for the age of node lists. */
  constructor(factory: ChildClusterClientFactory, now: () => number = () => performance.now()) {
    this.#factory = factory;
    this.#now = now;
  }

  get(clusterUID: string, kubeconfig: string): ChildClusterClient {
    return this.#entry(clusterUID, kubeconfig).client;
  }

  /**
   * The cluster's nodes. A list asked for at most `maxAgeMs` ago (or still on its way)
   * is shared: the machines of a settled cluster, checked together, need one request
   * between them. With `maxAgeMs` 0 a new list is always asked for.
   */
  listNodes(
    clusterUID: string,
    kubeconfig: string,
    options: { maxAgeMs: number; signal?: AbortSignal },
  ): Promise<ChildNode[]> {
    const entry = this.#entry(clusterUID, kubeconfig);
    const now = this.#now();
    const recent = entry.nodes;
    if (recent && options.maxAgeMs > 0 && now - recent.askedAt <= options.maxAgeMs) {
      return recent.list;
    }
    const list = entry.client.listNodes(options.signal);
    const nodes = { askedAt: now, list };
    entry.nodes = nodes;
    list.catch(() => {
      if (entry.nodes === nodes) delete entry.nodes;
    });
    return list;
  }

  /** Close and drop the client of a cluster that is going away. */
  forget(clusterUID: string): void {
    const cached = this.#clients.get(clusterUID);
    if (!cached) return;
    this.#clients.delete(clusterUID);
    void cached.client.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map((c) => c.client.close().catch(() => undefined)));
  }

  #entry(clusterUID: string, kubeconfig: string): CachedClient {
    const cached = this.#clients.get(clusterUID);
    if (cached?.kubeconfig === kubeconfig) return cached;
    if (cached) void cached.client.close().catch(() => undefined);
    const entry: CachedClient = { kubeconfig, client: this.#factory(kubeconfig) };
    this.#clients.set(clusterUID, entry);
    return entry;
  }
}

interface CachedClient {
  kubeconfig: string;
  client: ChildClusterClient;
  /** The last node list asked for, and when. */
  nodes?: { askedAt: number; list: Promise<ChildNode[]> };
}
