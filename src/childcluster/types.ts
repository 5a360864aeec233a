// The child-cluster client contract: what controllers ask of a workload cluster's
// Kubernetes API (readiness, nodes, cordon, drain), whatever infrastructure runs it.

/** A node as controllers see it. */
export interface NodeInfo {
  name: string;
  /** metadata.uid: tells a node apart from a later one of the same name. */
  uid: string;
  /** The Node's Ready condition is True. */
  ready: boolean;
  /** `control-plane` when labelled node-role.kubernetes.io/control-plane (or master). */
  role: 'control-plane' | 'worker';
  /** spec.unschedulable: cordoned. */
  unschedulable: boolean;
  kubeletVersion: string;
  /** First InternalIP address, or '' when the node reports none. */
  internalIP: string;
  /** spec.providerID, or '' when unset. */
  providerID: string;
}

export interface ReadyResult {
  ok: boolean;
  /** `Ready`, `NotReady` (the server answered 5xx), or the ChildClusterErrorCode of why it could not be asked. */
  reason: string;
  /** The server's answer (`ok`, or the failing checks), or why it could not be asked. */
  message: string;
}

export interface DrainOptions {
  /** Give up after this long; pods still on the node are reported as remaining. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface DrainResult {
  /** Pods evicted (or found already gone) during this drain. */
  evicted: number;
  /** Evictable pods still on the node when the drain ended. */
  remaining: number;
}

/** Stable codes of ChildClusterError, usable as condition reasons. */
export const ChildClusterErrorCode = {
  /** Connection refused, reset, timed out, or the TLS handshake failed on the server's side. */
  Unreachable: 'ChildAPIUnreachable',
  /** The server's certificate is not signed by the kubeconfig's CA or names another host. */
  UntrustedServer: 'ChildAPIUntrustedServer',
  /** 401: the client certificate was missing or not accepted. */
  Unauthorized: 'ChildAPIUnauthorized',
  /** 403: authenticated, but not allowed. */
  Forbidden: 'ChildAPIForbidden',
  NotFound: 'ChildAPINotFound',
  Conflict: 'ChildAPIConflict',
  /** 429 (an eviction blocked by a PodDisruptionBudget, or throttling). */
  TooManyRequests: 'ChildAPITooManyRequests',
  /** 5xx or an answer the client could not read. */
  ServerError: 'ChildAPIServerError',
  /** The kubeconfig could not be used (bad YAML, no current context, no server). */
  InvalidKubeconfig: 'InvalidKubeconfig',
  /** The caller's signal aborted the request, or the client was closed. */
  Aborted: 'ChildAPIRequestAborted',
} as const;
export type ChildClusterErrorCode =
  (typeof ChildClusterErrorCode)[keyof typeof ChildClusterErrorCode];

export class ChildClusterError extends Error {
  readonly code: ChildClusterErrorCode;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;

  constructor(
    code: ChildClusterErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ChildClusterError';
    this.code = code;
    this.status = options.status;
  }
}

export function isChildClusterError(
  err: unknown,
  code?: ChildClusterErrorCode,
): err is ChildClusterError {
  return err instanceof ChildClusterError && (code === undefined || err.code === code);
}

export interface ChildClusterClient {
  /** GET /readyz?verbose with the admin certificate. Never throws for an unhealthy or unreachable API: ok is false and message says why. */
  ready(signal?: AbortSignal): Promise<ReadyResult>;
  listNodes(signal?: AbortSignal): Promise<NodeInfo[]>;
  /** Mark the node unschedulable (idempotent). NotFound when there is no such node. */
  cordon(name: string, signal?: AbortSignal): Promise<void>;
  /** Mark the node schedulable again (idempotent). */
  uncordon(name: string, signal?: AbortSignal): Promise<void>;
  /**
   * Cordon, then evict every pod on the node through the Eviction API except DaemonSet
   * pods and mirror (static) pods, and wait for them to leave. Like Cluster API's drain
   * (kubectl drain --ignore-daemonsets --force --delete-emptydir-data), pods without a
   * controller are evicted too. Evictions a PodDisruptionBudget refuses (429) are retried
   * until the timeout. NotFound when the node does not exist.
   */
  drain(name: string, options: DrainOptions): Promise<DrainResult>;
  /** Delete the Node object; a node that is already gone counts as deleted. */
  deleteNode(name: string, signal?: AbortSignal): Promise<void>;
  /** Close pooled connections; later calls fail with Aborted. */
  close(): Promise<void>;
}
