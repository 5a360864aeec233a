// One HTTP exchange with a Proxmox API: send, read the JSON envelope, or turn whatever
// went wrong into a ProxmoxApiError. No retries and no authentication here (client.ts
// does both).
//
// pve-http-server puts the error sentence in the status line's reason phrase
// ("HTTP/1.1 500 VM is locked (clone)"); the JSON body holds only `data: null` and, for
// parameter errors, `errors`. Since PVE 8.4 the body repeats the sentence as `message`.
// So the message comes from the body when there is one, else from the reason phrase.
import type { Agent, Dispatcher } from 'undici';
import { classifyProxmoxResponse, ProxmoxApiError, type ProxmoxErrorKind } from './errors.ts';
import { abortReason } from './retry.ts';
import { failedBeforeSending, ProxmoxTlsRejection } from './tls.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The whole answer of a successful call: `data`, and `total` where Proxmox sends one. */
export interface ProxmoxEnvelope<T = unknown> {
  data: T;
  total?: number;
}

export interface Exchange {
  method: HttpMethod;
  /** The API path as callers wrote it (for messages), e.g. /nodes/pve1/status. */
  path: string;
  /** Encoded query string without '?', or ''. */
  query: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
}

export interface TransportTarget {
  agent: Agent;
  origin: string;
  basePath: string;
  /** Removes secrets from any text that goes into an error. */
  redact: (text: string) => string;
}

const timedOut = Symbol('proxmox.timeout');

/**
 * Sends one request and returns the envelope of a 2xx answer; throws ProxmoxApiError for
 * everything else, or the signal's reason when the caller aborted.
 */
export async function exchange(
  target: TransportTarget,
  request: Exchange,
): Promise<ProxmoxEnvelope> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timedOut), request.timeoutMs);
  const signal = request.signal;
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const path = `${target.basePath}${request.path}${request.query ? `?${request.query}` : ''}`;
  try {
    const response = await target.agent.request({
      origin: target.origin,
      path,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: controller.signal,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
    const text = await response.body.text();
    return readAnswer(target, request, response, text);
  } catch (err: unknown) {
    if (err instanceof ProxmoxApiError) throw err;
    if (signal?.aborted) throw abortReason(signal);
    if (controller.signal.reason === timedOut) {
      throw failure(target, request, 'timeout', `no answer within ${request.timeoutMs} ms`, err);
    }
    throw networkError(target, request, err);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function readAnswer(
  target: TransportTarget,
  request: Exchange,
  response: Dispatcher.ResponseData,
  text: string,
): ProxmoxEnvelope {
  const status = response.statusCode;
  const json = parseJson(text);
  if (status >= 200 && status < 300) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ProxmoxApiError({
        kind: 'other',
        method: request.method,
        path: request.path,
        status,
        detail: `answer is not a Proxmox JSON envelope: ${snippet(target.redact(text))}`,
      });
    }
    const envelope = json as { data?: unknown; total?: unknown };
    return {
      data: envelope.data ?? null,
      ...(typeof envelope.total === 'number' ? { total: envelope.total } : {}),
    };
  }
  const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const errors = readErrors(body.errors, target.redact);
  const message = target.redact(
    (typeof body.message === 'string' && body.message.trim()) ||
      response.statusText.trim() ||
      (json === undefined ? snippet(text) : '') ||
      `HTTP ${status}`,
  );
  const found = classifyProxmoxResponse(status, message, errors);
  return throwAnswer({ ...found, status, message, errors, request });
}

function throwAnswer(init: {
  kind: ProxmoxErrorKind;
  agentState?: ProxmoxApiError['agentState'];
  lock?: string;
  status: number;
  message: string;
  errors: Record<string, string> | undefined;
  request: Exchange;
}): never {
  const { errors, request } = init;
  const sentence = init.message.trim();
  const detail = errors
    ? `${sentence.replace(/\.$/, '')}: ${Object.entries(errors)
        .map(([param, text]) => `${param}: ${text}`)
        .join('; ')}`
    : sentence;
  throw new ProxmoxApiError({
    kind: init.kind,
    method: request.method,
    path: request.path,
    status: init.status,
    detail,
    requestSent: true,
    ...(errors ? { errors } : {}),
    ...(init.agentState ? { agentState: init.agentState } : {}),
    ...(init.lock ? { lock: init.lock } : {}),
  });
}

function readErrors(
  raw: unknown,
  redact: (text: string) => string,
): Record<string, string> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw as Record<string, unknown>).map(
    ([param, text]) => [param, redact(String(text).trim())] as const,
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const timeoutCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function codeOf(err: unknown): string | undefined {
  for (let current = err, depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function networkError(target: TransportTarget, request: Exchange, err: unknown): ProxmoxApiError {
  if (err instanceof ProxmoxTlsRejection) {
    return failure(target, request, 'tls', `TLS: ${err.message}`, err, err.code);
  }
  const code = codeOf(err);
  const text = err instanceof Error ? err.message : String(err);
  let kind: ProxmoxErrorKind = 'other';
  if (code && transientCodes.has(code)) kind = 'transient';
  else if (code && timeoutCodes.has(code)) kind = 'timeout';
  else if (code && (/^ERR_SSL_|^ERR_TLS_/.test(code) || code === 'EPROTO')) kind = 'tls';
  const detail = kind === 'tls' ? `TLS: ${text}` : text;
  return failure(target, request, kind, code ? `${detail} (${code})` : detail, err, code);
}

function failure(
  target: TransportTarget,
  request: Exchange,
  kind: ProxmoxErrorKind,
  detail: string,
  cause: unknown,
  code?: string,
): ProxmoxApiError {
  return new ProxmoxApiError({
    kind,
    method: request.method,
    path: request.path,
    detail: target.redact(detail),
    requestSent: !failedBeforeSending(cause),
    cause,
    ...(code ? { code } : {}),
  });
}
