// Requests to one child API server: one undici Client (a single pooled connection,
// requests queue on it) through the TLS connector of connector.ts, with the
// kubeconfig's CA and client certificate parsed once, the bearer token if any, and a
// deadline per request. Every failure comes out as a ChildClusterError.
import { Client } from 'undici';
import { tlsConnector } from './connector.ts';
import { abortedError, errorForStatus, toChildClusterError } from './errors.ts';
import { createTargetSecureContext, type KubeconfigTarget } from './kubeconfig.ts';
import { ChildClusterError, ChildClusterErrorCode } from './types.ts';

/**
 * How long the client keeps an idle connection. Shorter than the server's 90 s: a
 * connection costs some 60 KiB on each side, and a settled cluster is only asked again
 * after minutes, so an open connection mostly waits for nothing.
 */
const idleConnectionMs = 10_000;

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path after the server's base path, with its query string. */
  path: string;
  /** Sent as JSON with `contentType` (default application/json). */
  body?: unknown;
  contentType?: string;
  /** Accept header; none when unset. */
  accept?: string;
  signal?: AbortSignal | undefined;
}

export interface ApiResponse {
  status: number;
  text: string;
}

/**
 * A signal for one request that aborts when the client closes, when the caller's
 * signal aborts, or after `ms`, and remembers which. The timer is cleared when the
 * request ends (`AbortSignal.timeout`'s would run on and fire after every call).
 */
class RequestDeadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #sources: AbortSignal[];
  why: 'timeout' | 'closed' | 'aborted' | undefined;

  constructor(closed: AbortSignal, caller: AbortSignal | undefined, ms: number) {
    this.#sources = caller ? [closed, caller] : [closed];
    this.#timer = setTimeout(() => {
      const reason = new DOMException(`the request took longer than ${ms} ms`, 'TimeoutError');
      this.#abort('timeout', reason);
    }, ms);
    for (const source of this.#sources) {
      if (source.aborted) this.#onAbort({ target: source });
      else source.addEventListener('abort', this.#onAbort);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  readonly #onAbort = (event: { target: unknown }): void => {
    const source = event.target as AbortSignal;
    // A caller's deadline (a TimeoutError, as AbortSignal.timeout gives) is a timeout too.
    const reason: unknown = source.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    this.#abort(source === this.#sources[0] ? 'closed' : timedOut ? 'timeout' : 'aborted', reason);
  };

  #abort(why: 'timeout' | 'closed' | 'aborted', reason: unknown): void {
    if (this.why) return;
    this.why = why;
    this.#controller.abort(reason);
  }

  clear(): void {
    clearTimeout(this.#timer);
    for (const source of this.#sources) source.removeEventListener('abort', this.#onAbort);
  }
}

/** One child API server, as a kubeconfig's current context names it. */
export class ApiTransport {
  readonly server: string;
  readonly #target: KubeconfigTarget;
  readonly #client: Client;
  readonly #closed = new AbortController();
  readonly #timeoutMs: number;
  readonly #authorization: string | undefined;

  constructor(target: KubeconfigTarget, timeoutMs: number) {
    this.server = target.server;
    this.#target = target;
    this.#timeoutMs = timeoutMs;
    this.#authorization = target.token ? `Bearer ${target.token}` : undefined;
    const connect = tlsConnector({
      secureContext: createTargetSecureContext(target),
      servername: target.servername,
      rejectUnauthorized: target.rejectUnauthorized,
      timeoutMs,
    });
    this.#client = new Client(target.origin, {
      connect: (options, callback) =>
        connect(options, (err, socket) =>
          socket ? callback(null, socket) : callback(err ?? new Error('no socket'), null),
        ),
      keepAliveTimeout: idleConnectionMs,
      keepAliveMaxTimeout: idleConnectionMs,
    });
  }

  /**
   * Send `request` and read the whole answer, whatever its status. Throws
   * ChildClusterError when there is no answer: Unreachable, UntrustedServer, or Aborted.
   */
  async send(what: string, request: ApiRequest): Promise<ApiResponse> {
    if (this.#closed.signal.aborted) throw abortedError(what, this.server, 'closed', undefined);
    const deadline = new RequestDeadline(this.#closed.signal, request.signal, this.#timeoutMs);
    const headers: Record<string, string> = {};
    if (this.#authorization) headers['authorization'] = this.#authorization;
    if (request.accept) headers['accept'] = request.accept;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    try {
      const response = await this.#client.request({
        method: request.method,
        path: `${this.#target.basePath}${request.path}`,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: deadline.signal,
      });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (err: unknown) {
      if (deadline.why) throw abortedError(what, this.server, deadline.why, err);
      throw toChildClusterError(err, what, this.server);
    } finally {
      deadline.clear();
    }
  }

  /** Send `request`; the answer's JSON when the status is 2xx, else the status as an error. */
  async json<T>(what: string, request: ApiRequest): Promise<T> {
    const { status, text } = await this.send(what, { accept: 'application/json', ...request });
    if (status < 200 || status >= 300) throw errorForStatus(status, text, what);
    try {
      return JSON.parse(text) as T;
    } catch (err: unknown) {
      throw new ChildClusterError(
        ChildClusterErrorCode.ServerError,
        `${what}: the answer is not JSON (HTTP ${status})`,
        { status, cause: err },
      );
    }
  }

  /** Send `request`; throws the status as an error unless it is 2xx. */
  async call(what: string, request: ApiRequest): Promise<void> {
    const { status, text } = await this.send(what, { accept: 'application/json', ...request });
    if (status < 200 || status >= 300) throw errorForStatus(status, text, what);
  }

  /** End the connection; requests in flight and later fail with Aborted. */
  async close(): Promise<void> {
    this.#closed.abort();
    await this.#client.destroy();
  }
}
