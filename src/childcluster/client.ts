// The child-cluster client on @kubernetes/client-node, built from an admin kubeconfig.
// client-node honours the kubeconfig's `tls-server-name` (it becomes the TLS servername
// of its undici dispatcher) and a path after the server's host:port (it prefixes every
// request path). It makes a new dispatcher for every request, though; this client keeps
// the first one so connections are pooled and close() can end them. Writes go through
// the generated CoreV1Api; the hot reads (node and pod lists) are plain GETs through the
// same authentication, parsed as JSON, because the generated model deserialisation
// costs more than the request itself.
import { createSecureContext, type SecureContext } from 'node:tls';
import {
  ApiException,
  CoreV1Api,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  Observable,
  PatchStrategy,
  RequestContext,
  ServerConfiguration,
  createConfiguration,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type SecurityAuthentication,
  type V1Node,
  type V1NodeList,
  type V1Pod,
  type V1PodList,
} from '@kubernetes/client-node';
import { tlsConnector, type Connector, type ConnectorOptions } from './connector.ts';
import { codeForStatus, statusMessage, toChildClusterError } from './errors.ts';
import {
  ChildClusterError,
  ChildClusterErrorCode,
  isChildClusterError,
  type ChildClusterClient,
  type DrainOptions,
  type DrainResult,
  type NodeInfo,
  type ReadyResult,
} from './types.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

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

/** undici's Agent constructor, with the options used here. */
type AgentConstructor = new (options: {
  connect: Connector;
  connections: number;
  keepAliveTimeout: number;
  keepAliveMaxTimeout: number;
}) => Dispatcher;

/**
 * How long the client keeps an idle connection. Shorter than the server's 90 s: a
 * connection costs some 60 KiB on each side, and a settled cluster is only asked again
 * after minutes, so an open connection mostly waits for nothing.
 */
const idleConnectionMs = 10_000;

/**
 * A KubeConfig that also remembers the TLS options of its direct connections, with the
 * CA, certificate and key parsed once into a SecureContext: client-node hands the PEM
 * to every `tls.connect`, which parses them again for each connection (about a
 * millisecond of CPU).
 */
class SharedContextKubeConfig extends KubeConfig {
  #secureContext: SecureContext | undefined;
  /** The connector options of the last direct (not proxied) dispatcher made. */
  connectorOptions: ConnectorOptions | undefined;

  override createDispatcherOptions(
    cluster: Parameters<KubeConfig['createDispatcherOptions']>[0],
    agentOptions: Parameters<KubeConfig['createDispatcherOptions']>[1],
  ): ReturnType<KubeConfig['createDispatcherOptions']> {
    const options = super.createDispatcherOptions(cluster, agentOptions);
    if (options.type !== 'agent') return options;
    const { ca, cert, key, pfx, passphrase, servername, rejectUnauthorized } = options.connect;
    this.#secureContext ??= createSecureContext({ ca, cert, key, pfx, passphrase });
    this.connectorOptions = {
      secureContext: this.#secureContext,
      servername,
      rejectUnauthorized,
      keepAliveInitialDelay: options.connect.keepAliveInitialDelay,
    };
    return options;
  }
}

/**
 * client-node's kubeconfig authentication, with one pooled dispatcher that keeps a
 * single connection: requests to one cluster queue on it. With one connection per
 * request in flight, a cluster's controllers asking at once kept several TLS
 * connections open per cluster, each holding tens of KiB for the keep-alive's length.
 */
class PooledAuthentication implements SecurityAuthentication {
  readonly #config: SharedContextKubeConfig;
  #dispatcher: Dispatcher | undefined;

  constructor(config: SharedContextKubeConfig) {
    this.#config = config;
  }

  getName(): string {
    return 'kubeconfig authentication (pooled)';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.#config.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    this.#dispatcher ??= this.#singleConnection(fresh);
    context.setDispatcher(this.#dispatcher);
  }

  /**
   * An Agent like `fresh` (made by client-node, from its own copy of undici) limited to
   * one connection, with the shared TLS context and our connector; `fresh` itself when
   * it goes through a proxy.
   */
  #singleConnection(fresh: Dispatcher): Dispatcher {
    const options = this.#config.connectorOptions;
    if (!options || fresh.constructor.name !== 'Agent') return fresh;
    void fresh.close();
    const Agent = fresh.constructor as AgentConstructor;
    return new Agent({
      connect: tlsConnector(options),
      connections: 1,
      keepAliveTimeout: idleConnectionMs,
      keepAliveMaxTimeout: idleConnectionMs,
    });
  }

  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher) await dispatcher.destroy();
  }
}

function nodeInfo(node: V1Node): NodeInfo {
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
function isSkippedByDrain(pod: V1Pod): boolean {
  const daemonSet = pod.metadata?.ownerReferences?.some(
    (owner) => owner.controller === true && owner.kind === 'DaemonSet',
  );
  const mirror = pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
  return daemonSet === true || mirror;
}

class KubernetesChildClusterClient implements ChildClusterClient {
  readonly #server: string;
  readonly #auth: PooledAuthentication;
  readonly #core: CoreV1Api;
  readonly #http = new IsomorphicFetchHttpLibrary();
  readonly #closed = new AbortController();
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #delay: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;

  constructor(config: SharedContextKubeConfig, server: string, options: ChildClusterClientOptions) {
    this.#server = server;
    this.#auth = new PooledAuthentication(config);
    this.#core = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(server, {}),
        authMethods: { default: this.#auth },
      }),
    );
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#pollMs = options.drainPollMs ?? 1000;
    this.#delay = options.delay ?? defaultDelay;
    this.#now = options.now ?? (() => performance.now());
  }

  #signal(signal?: AbortSignal): AbortSignal {
    const signals = [this.#closed.signal, AbortSignal.timeout(this.#timeoutMs)];
    if (signal) signals.push(signal);
    return AbortSignal.any(signals);
  }

  /** Per-call options: the combined abort signal, and headers. */
  #options(
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): ConfigurationOptions<ObservableMiddleware> {
    const combined = this.#signal(signal);
    const middleware: ObservableMiddleware = {
      pre: (context) => {
        context.setSignal(combined);
        for (const [key, value] of Object.entries(headers)) context.setHeaderParam(key, value);
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  async #call<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (options: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
  ): Promise<T> {
    if (this.#closed.signal.aborted)
      throw new ChildClusterError(ChildClusterErrorCode.Aborted, `${what}: the client is closed`);
    try {
      return await fn(this.#options(signal));
    } catch (err: unknown) {
      throw toChildClusterError(err, what, this.#server);
    }
  }

  /**
   * GET a JSON document through client-node's authentication and HTTP library, without
   * its model deserialisation (which costs more than the request itself on loopback).
   */
  async #getJson<T>(what: string, path: string, signal?: AbortSignal): Promise<T> {
    if (this.#closed.signal.aborted) {
      throw new ChildClusterError(ChildClusterErrorCode.Aborted, `${what}: the client is closed`);
    }
    try {
      const context = new RequestContext(`${this.#server}${path}`, HttpMethod.GET);
      context.setHeaderParam('Accept', 'application/json');
      await this.#auth.applySecurityAuthentication(context);
      context.setSignal(this.#signal(signal));
      const response = await this.#http.send(context).toPromise();
      const text = await response.body.text();
      if (response.httpStatusCode !== 200) {
        throw new ApiException(response.httpStatusCode, what, text, response.headers);
      }
      return JSON.parse(text) as T;
    } catch (err: unknown) {
      throw toChildClusterError(err, what, this.#server);
    }
  }

  async ready(signal?: AbortSignal): Promise<ReadyResult> {
    const what = 'check /readyz';
    try {
      if (this.#closed.signal.aborted)
        throw new ChildClusterError(ChildClusterErrorCode.Aborted, `${what}: the client is closed`);
      const context = new RequestContext(`${this.#server}/readyz?verbose`, HttpMethod.GET);
      await this.#auth.applySecurityAuthentication(context);
      context.setSignal(this.#signal(signal));
      const response = await this.#http.send(context).toPromise();
      const text = (await response.body.text()).trim();
      if (response.httpStatusCode === 200) {
        return { ok: true, reason: 'Ready', message: text.split('\n').at(-1) ?? 'ok' };
      }
      const status = response.httpStatusCode;
      const failing = text.split('\n').filter((line) => line.startsWith('[-]'));
      const detail =
        failing.length > 0 ? failing.join('; ') : (statusMessage(text) ?? `HTTP ${status}`);
      const reason = status >= 500 ? 'NotReady' : codeForStatus(status);
      return { ok: false, reason, message: `${what}: ${detail} (HTTP ${status})` };
    } catch (err: unknown) {
      const error = toChildClusterError(err, what, this.#server);
      if (error.code === ChildClusterErrorCode.Aborted) throw error;
      return { ok: false, reason: error.code, message: error.message };
    }
  }

  async listNodes(signal?: AbortSignal): Promise<NodeInfo[]> {
    const list = await this.#getJson<V1NodeList>('list nodes', '/api/v1/nodes', signal);
    return list.items.map(nodeInfo);
  }

  async #setUnschedulable(
    name: string,
    unschedulable: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const what = `${unschedulable ? 'cordon' : 'uncordon'} node "${name}"`;
    await this.#call(what, signal, (options) =>
      this.#core.patchNode(
        { name, body: { spec: { unschedulable: unschedulable ? true : null } } },
        {
          ...options,
          middleware: [
            ...(options.middleware ?? []),
            contentType(PatchStrategy.StrategicMergePatch),
          ],
        },
      ),
    );
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
      const selector = encodeURIComponent(`spec.nodeName=${name}`);
      const pods = await this.#getJson<V1PodList>(
        `list pods on node "${name}"`,
        `/api/v1/pods?fieldSelector=${selector}`,
        signal,
      );
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
  async #evict(pod: V1Pod, signal?: AbortSignal): Promise<boolean> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    try {
      await this.#call(`evict pod "${namespace}/${name}"`, signal, (options) =>
        this.#core.createNamespacedPodEviction(
          {
            name,
            namespace,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
          },
          options,
        ),
      );
      return true;
    } catch (err: unknown) {
      if (isChildClusterError(err, ChildClusterErrorCode.NotFound)) return true;
      if (isChildClusterError(err, ChildClusterErrorCode.TooManyRequests)) return false;
      throw err;
    }
  }

  async deleteNode(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.#call(`delete node "${name}"`, signal, (options) =>
        this.#core.deleteNode({ name }, options),
      );
    } catch (err: unknown) {
      if (!isChildClusterError(err, ChildClusterErrorCode.NotFound)) throw err;
    }
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#auth.close();
  }
}

function contentType(value: string): ObservableMiddleware {
  return {
    pre: (context) => {
      context.setHeaderParam('Content-Type', value);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
}

/**
 * A client for the cluster an admin kubeconfig (YAML) points at, through its current
 * context. Throws ChildClusterError(InvalidKubeconfig) when the kubeconfig is unusable.
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
  const config = new SharedContextKubeConfig();
  try {
    config.loadFromString(kubeconfig);
  } catch (err: unknown) {
    throw new ChildClusterError(
      ChildClusterErrorCode.InvalidKubeconfig,
      `the kubeconfig cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) {
    throw new ChildClusterError(
      ChildClusterErrorCode.InvalidKubeconfig,
      'the kubeconfig has no current context with a cluster server',
    );
  }
  return new KubernetesChildClusterClient(config, cluster.server.replace(/\/+$/, ''), options);
}
