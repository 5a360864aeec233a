// Typed errors of the Proxmox VE API client and the rules that sort Proxmox's answers
// into kinds a provider can act on.
//
// Proxmox says almost everything with HTTP 500 and a sentence: a locked VM, a missing
// config file, a guest agent that has not started yet. The only stable signal is the
// text, so the rules below match the sentences Proxmox's own source emits (qemu-server,
// pve-common's AbstractConfig and Tools, pve-http-server); see the reference note on
// Proxmox errors. The same text rules classify a failed task's exit status, because
// async endpoints (clone, start, POST config) report their failure there instead.

/** What went wrong, coarse enough to decide what to do next. */
export type ProxmoxErrorKind =
  | 'authentication'
  | 'permission'
  | 'invalid'
  | 'not-found'
  | 'locked'
  | 'exists'
  | 'guest-agent'
  | 'transient'
  | 'timeout'
  | 'tls'
  | 'other';

/** Which guest-agent problem: only `not-running` and `timeout` can clear up by waiting. */
export type GuestAgentState = 'not-configured' | 'not-running' | 'vm-not-running' | 'timeout';

/** The outcome of classifying a Proxmox error text or response. */
export interface ProxmoxErrorClass {
  kind: ProxmoxErrorKind;
  /** Set when kind is `guest-agent`. */
  agentState?: GuestAgentState;
  /** The lock named in "VM is locked (clone)", when kind is `locked`. */
  lock?: string;
}

interface TextRule {
  pattern: RegExp;
  classify: (match: RegExpExecArray) => ProxmoxErrorClass;
}

// Order matters: "can't lock file … got timeout" is a lock, not a guest-agent timeout.
const textRules: readonly TextRule[] = [
  {
    pattern: /No QEMU guest agent configured/i,
    classify: () => ({ kind: 'guest-agent', agentState: 'not-configured' }),
  },
  {
    pattern: /QEMU guest agent is not running/i,
    classify: () => ({ kind: 'guest-agent', agentState: 'not-running' }),
  },
  {
    // PVE 8/9: "VM 100 qga command 'guest-ping' failed - got timeout"; older releases
    // said "qmp command 'guest-…'" for the same agent call.
    pattern: /\b(?:qga command '[^']*'|qmp command 'guest-[^']*') failed - got timeout/i,
    classify: () => ({ kind: 'guest-agent', agentState: 'timeout' }),
  },
  {
    pattern: /\bVM \d+ is not running\b/,
    classify: () => ({ kind: 'guest-agent', agentState: 'vm-not-running' }),
  },
  {
    pattern: /\b(?:VM|CT)(?: \d+)? is locked \(([^)]*)\)/,
    classify: (match) => ({ kind: 'locked', ...(match[1] ? { lock: match[1] } : {}) }),
  },
  { pattern: /can't lock file '[^']*' - got timeout/, classify: () => ({ kind: 'locked' }) },
  {
    pattern: /cfs-lock '[^']*' error: got lock request timeout/,
    classify: () => ({ kind: 'locked' }),
  },
  { pattern: /already exists/i, classify: () => ({ kind: 'exists' }) },
  { pattern: /does not exist/i, classify: () => ({ kind: 'not-found' }) },
  { pattern: /unable to find configuration file for VM/i, classify: () => ({ kind: 'not-found' }) },
  {
    pattern: /\bno such (?:VM|CT|task|node|storage|volume|pool|user|token)\b/i,
    classify: () => ({ kind: 'not-found' }),
  },
];

/** HTTP statuses that mean "the server or the path to it is briefly unwell". */
const transientStatuses = new Set([429, 502, 503, 504, 595, 596]);

/**
 * Classifies a Proxmox error sentence (an HTTP error message or a task's exit status)
 * by the text rules alone; undefined when no rule matches.
 *
 * @example
 * classifyProxmoxText('VM is locked (clone)') // { kind: 'locked', lock: 'clone' }
 */
export function classifyProxmoxText(text: string): ProxmoxErrorClass | undefined {
  for (const rule of textRules) {
    const match = rule.pattern.exec(text);
    if (match) return rule.classify(match);
  }
  return undefined;
}

/**
 * Classifies an HTTP error answer: the status first where it is decisive (401, 403,
 * proxy failures), then the per-parameter `errors` of a 400, then the text rules.
 *
 * @example
 * classifyProxmoxResponse(400, 'Parameter verification failed.', { newid: 'VM 105 already exists' })
 * // { kind: 'exists' }
 */
export function classifyProxmoxResponse(
  status: number,
  message: string,
  errors?: Readonly<Record<string, string>>,
): ProxmoxErrorClass {
  if (status === 401) return { kind: 'authentication' };
  if (status === 403) return { kind: 'permission' };
  if (transientStatuses.has(status)) return { kind: 'transient' };
  const entries = errors ? Object.values(errors) : [];
  if (status === 400 && entries.length > 0) {
    return entries.some((text) => /already exists/i.test(text))
      ? { kind: 'exists' }
      : { kind: 'invalid' };
  }
  const byText = classifyProxmoxText([message, ...entries].join('\n'));
  if (byText) return byText;
  if (status === 400) return { kind: 'invalid' };
  if (status === 404) return { kind: 'not-found' };
  if (status === 408) return { kind: 'timeout' };
  return { kind: 'other' };
}

/** Details for a ProxmoxApiError; see the class. */
export interface ProxmoxApiErrorInit extends ProxmoxErrorClass {
  method: string;
  path: string;
  /** What Proxmox said (or what failed on the way), without the method and path. */
  detail: string;
  status?: number;
  errors?: Record<string, string>;
  /** A Node or undici error code, e.g. ECONNRESET, for failures without a response. */
  code?: string;
  /** False only when the request surely never left (connecting failed); default true. */
  requestSent?: boolean;
  cause?: unknown;
}

/**
 * A Proxmox API call that failed: an HTTP error answer, a connection or TLS failure, or
 * a timeout. The message reads like
 * "POST /nodes/pve1/qemu/100/clone: 400 Parameter verification failed: newid: VM 105 already exists".
 */
export class ProxmoxApiError extends Error {
  readonly kind: ProxmoxErrorKind;
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly errors?: Record<string, string>;
  readonly agentState?: GuestAgentState;
  readonly lock?: string;
  readonly code?: string;
  /**
   * Whether the request may have reached Proxmox. False when connecting failed, so even
   * a clone or a delete surely did not happen and may be sent again.
   */
  readonly requestSent: boolean;
  /** The message without "METHOD path: status ", for conditions and events. */
  readonly detail: string;

  constructor(init: ProxmoxApiErrorInit) {
    const status = init.status === undefined ? '' : `${init.status} `;
    super(`${init.method} ${init.path}: ${status}${init.detail}`, { cause: init.cause });
    this.name = 'ProxmoxApiError';
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.detail = init.detail;
    this.requestSent = init.requestSent ?? true;
    if (init.status !== undefined) this.status = init.status;
    if (init.errors !== undefined) this.errors = init.errors;
    if (init.agentState !== undefined) this.agentState = init.agentState;
    if (init.lock !== undefined) this.lock = init.lock;
    if (init.code !== undefined) this.code = init.code;
  }
}

/** Details for a ProxmoxTaskError; see the class. */
export interface ProxmoxTaskErrorInit {
  upid: string;
  node: string;
  type: string;
  exitStatus: string;
  logTail: string[];
}

/**
 * A Proxmox task that stopped with an exit status other than `OK` or `WARNINGS: n`.
 * The message names the task and ends with the last lines of its log.
 */
export class ProxmoxTaskError extends Error {
  readonly upid: string;
  readonly node: string;
  /** The task type from the UPID, e.g. qmclone. */
  readonly type: string;
  readonly exitStatus: string;
  readonly logTail: string[];
  readonly kind: ProxmoxErrorKind;
  readonly agentState?: GuestAgentState;
  readonly lock?: string;

  constructor(init: ProxmoxTaskErrorInit) {
    const log = init.logTail.length > 0 ? `\n  ${init.logTail.join('\n  ')}` : '';
    super(`task ${init.type} on ${init.node} failed: ${init.exitStatus} (${init.upid})${log}`);
    this.name = 'ProxmoxTaskError';
    this.upid = init.upid;
    this.node = init.node;
    this.type = init.type;
    this.exitStatus = init.exitStatus;
    this.logTail = init.logTail;
    const found = classifyProxmoxText(init.exitStatus) ?? { kind: 'other' };
    this.kind = found.kind;
    if (found.agentState !== undefined) this.agentState = found.agentState;
    if (found.lock !== undefined) this.lock = found.lock;
  }
}

/**
 * Whether trying the same call again later may succeed: transient failures, timeouts,
 * locks, a guest agent that is starting or slow, and unexplained 5xx answers. The client
 * itself retries only some of these (idempotent calls, never locks); the provider decides
 * about the rest.
 *
 * @example
 * if (isRetryable(err)) return { requeueAfter: 5_000 };
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ProxmoxApiError || error instanceof ProxmoxTaskError)) return false;
  switch (error.kind) {
    case 'transient':
    case 'timeout':
    case 'locked':
      return true;
    case 'guest-agent':
      return error.agentState === 'not-running' || error.agentState === 'timeout';
    case 'other':
      return error instanceof ProxmoxApiError && error.status !== undefined && error.status >= 500;
    default:
      return false;
  }
}

/** Whether the client retries this failure by itself (idempotent calls only). */
export function isRetriedByClient(error: ProxmoxApiError): boolean {
  if (error.kind === 'transient' || error.kind === 'timeout') return true;
  return (
    error.kind === 'other' &&
    error.status !== undefined &&
    error.status >= 500 &&
    error.status !== 501
  );
}
