// The child-cluster client: the five calls controllers make to a workload cluster's
// Kubernetes API (readyz, list nodes, patch a node, list and evict its pods, delete
// it), as plain JSON requests through one pooled connection per cluster (transport.ts).
// Not @kubernetes/client-node: importing it alone cost some 90 MiB of RSS, and it made
// a new dispatcher for every request (docs/adr/0007-child-cluster-client.md).
import { codeForStatus, statusMessage } from './errors.ts';
import { parseKubeconfig } from './kubeconfig.ts';
import { ApiTransport } from './transport.ts';
import {
  ChildClusterErrorCode,
  isChildClusterError,
  type ChildClusterClient,
  type DrainOptions,
  type DrainResult,
  type NodeInfo,
  type ReadyResult,
} from './types.ts';

export interface ChildClusterClientOptions {
  /** Per-request timeout (default 10 s); a request that takes longer counts as unreachable. */
  requestTimeoutMs?: number;
  /** Pause between drain rounds (default 1 s). */
  drainPollMs?: number;
  /** Injected delay, so tests control time. */
  delay?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected clock in milliseconds, for drain deadlines. */
  now?: () => number;
}

/** The fields of a core/v1 Node this client reads. */
interface NodeObject {
  metadata?: { name?: string; uid?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; providerID?: string };
  status?: {
    conditions?: { type?: string; status?: string }[];
    nodeInfo?: { kubeletVersion?: string };
    addresses?: { type?: string; address?: string }[];
  };
}

/** The fields of a core/v1 Pod this client reads. */
interface PodObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; controller?: boolean }[];
  };
}

interface List<T> {
  items: T[];
}

const strategicMergePatch = 'application/strategic-merge-patch+json';

function defaultDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function nodeInfo(node: NodeObject): NodeInfo {
  const labels = node.metadata?.labels ?? {};
  const controlPlane =
    labels['node-role.kubernetes.io/control-plane'] !== undefined ||
    labels['node-role.kubernetes.io/master'] !== undefined;
  return {
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    role: controlPlane ? 'control-plane' : 'worker',
    unschedulable: node.spec?.unschedulable === true,
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '',
    internalIP: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    providerID: node.spec?.providerID ?? '',
  };
}

/** Pods drain leaves alone: DaemonSet pods (their controller would recreate them) and static pods. */
function isSkippedByDrain(pod: PodObject): boolean {
  const daemonSet = pod.metadata?.ownerReferences?.some(
    (owner) => owner.controller === true && owner.kind === 'DaemonSet',
  );
  const mirror = pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
  return daemonSet === true || mirror;
}

const segment = encodeURIComponent;

class KubernetesChildClusterClient implements ChildClusterClient {
  readonly #api: ApiTransport;
  readonly #pollMs: number;
  readonly #delay: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;

  constructor(api: ApiTransport, options: ChildClusterClientOptions) {
    this.#api = api;
    this.#pollMs = options.drainPollMs ?? 1000;
    this.#delay = options.delay ?? defaultDelay;
    this.#now = options.now ?? (() => performance.now());
  }

  async ready(signal?: AbortSignal): Promise<ReadyResult> {
    const what = 'check /readyz';
    try {
      const response = await this.#api.send(what, {
        method: 'GET',
        path: '/readyz?verbose',
        signal,
      });
      const text = response.text.trim();
      const status = response.status;
      if (status === 200) {
        return { ok: true, reason: 'Ready', message: text.split('\n').at(-1) ?? 'ok' };
      }
      const failing = text.split('\n').filter((line) => line.startsWith('[-]'));
      const detail =
        failing.length > 0 ? failing.join('; ') : (statusMessage(text) ?? `HTTP ${status}`);
      const reason = status >= 500 ? 'NotReady' : codeForStatus(status);
      return { ok: false, reason, message: `${what}: ${detail} (HTTP ${status})` };
    } catch (err: unknown) {
      if (!isChildClusterError(err) || err.code === ChildClusterErrorCode.Aborted) throw err;
      return { ok: false, reason: err.code, message: err.message };
    }
  }

  async listNodes(signal?: AbortSignal): Promise<NodeInfo[]> {
    const list = await this.#api.json<List<NodeObject>>('list nodes', {
      method: 'GET',
      path: '/api/v1/nodes',
      signal,
    });
    return list.items.map(nodeInfo);
  }

  async #setUnschedulable(
    name: string,
    unschedulable: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    // As kubectl cordon/uncordon: null removes the field.
    await this.#api.call(`${unschedulable ? 'cordon' : 'uncordon'} node "${name}"`, {
      method: 'PATCH',
      path: `/api/v1/nodes/${segment(name)}`,
      body: { spec: { unschedulable: unschedulable ? true : null } },
      contentType: strategicMergePatch,
      signal,
    });
  }

  cordon(name: string, signal?: AbortSignal): Promise<void> {
    return this.#setUnschedulable(name, true, signal);
  }

  uncordon(name: string, signal?: AbortSignal): Promise<void> {
    return this.#setUnschedulable(name, false, signal);
  }

  async drain(name: string, options: DrainOptions): Promise<DrainResult> {
    const { signal } = options;
    const deadline = this.#now() + options.timeoutMs;
    await this.cordon(name, signal);
    const requested = new Set<string>();
    let evicted = 0;
    for (;;) {
      const pods = await this.#api.json<List<PodObject>>(`list pods on node "${name}"`, {
        method: 'GET',
        path: `/api/v1/pods?fieldSelector=${segment(`spec.nodeName=${name}`)}`,
        signal,
      });
      const evictable = pods.items.filter((pod) => !isSkippedByDrain(pod));
      if (evictable.length === 0) return { evicted, remaining: 0 };
      if (this.#now() >= deadline || signal?.aborted)
        return { evicted, remaining: evictable.length };
      for (const pod of evictable) {
        const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        if (requested.has(uid) || pod.metadata?.deletionTimestamp) continue;
        if (await this.#evict(pod, signal)) {
          requested.add(uid);
          evicted++;
        }
      }
      const left = deadline - this.#now();
      if (left > 0) await this.#delay(Math.min(this.#pollMs, left), signal);
    }
  }

  /** True when the pod is evicted or already gone; false when a disruption budget says wait. */
  async #evict(pod: PodObject, signal?: AbortSignal): Promise<boolean> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    try {
      await this.#api.call(`evict pod "${namespace}/${name}"`, {
        method: 'POST',
        path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}/eviction`,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        signal,
      });
      return true;
    } catch (err: unknown) {
      if (isChildClusterError(err, ChildClusterErrorCode.NotFound)) return true;
      if (isChildClusterError(err, ChildClusterErrorCode.TooManyRequests)) return false;
      throw err;
    }
  }

  async deleteNode(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.#api.call(`delete node "${name}"`, {
        method: 'DELETE',
        path: `/api/v1/nodes/${segment(name)}`,
        signal,
      });
    } catch (err: unknown) {
      if (!isChildClusterError(err, ChildClusterErrorCode.NotFound)) throw err;
    }
  }

  close(): Promise<void> {
    return this.#api.close();
  }
}

/**
 * A client for the cluster an admin kubeconfig (YAML) points at, through its current
 * context: client certificate or bearer token, tls-server-name, a path after the
 * server's host:port. Throws ChildClusterError(InvalidKubeconfig) naming the field when
 * the kubeconfig is unusable (see kubeconfig.ts for the fields supported).
 *
 * @example
 * const client = createChildClusterClient(kubeconfigYaml);
 * const { ok, message } = await client.ready();
 * await client.drain('demo-worker-3', { timeoutMs: 60_000 });
 * await client.close();
 */
export function createChildClusterClient(
  kubeconfig: string,
  options: ChildClusterClientOptions = {},
): ChildClusterClient {
  const api = new ApiTransport(parseKubeconfig(kubeconfig), options.requestTimeoutMs ?? 10_000);
  return new KubernetesChildClusterClient(api, options);
}
