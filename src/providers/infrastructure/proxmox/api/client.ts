// The typed client for the Proxmox VE REST API (/api2/json).
//
// Hand-written on undici because no maintained library fits: the npm `proxmox-api`
// package stops at PVE 8 and is GPL, and the rest are untyped or abandoned. What we
// need is small — four verbs, an upload and task polling — and the hard parts are
// Proxmox quirks a generic client would not know anyway (see form.ts, sshkeys.ts,
// transport.ts, tls.ts).
//
// Retries: an idempotent call (GET, or `idempotent: true`) is tried again, with
// exponential backoff and jitter, after a transient failure, a timeout or an
// unexplained 5xx. Any call is tried again when connecting failed, since then nothing
// was sent. Locks, "already exists" and the like are never retried here; the provider
// knows whether waiting makes sense (`isRetryable`).
import { Agent } from 'undici';
import { tokenSession, TicketSession, type AuthSession, type TicketAnswer } from './auth.ts';
import {
  resolveConnection,
  type ProxmoxConnection,
  type ResolvedConnection,
} from './connection.ts';
import { isRetriedByClient, ProxmoxApiError } from './errors.ts';
import { encodeForm, uploadMultipart, type ProxmoxParams, type UploadFile } from './form.ts';
import { apiPath, checkApiPath } from './path.ts';
import { backoffDelay, sleep as realSleep, type Sleep } from './retry.ts';
import { waitForTask, type ProxmoxTaskResult, type WaitForTaskOptions } from './tasks.ts';
import { proxmoxTlsConnector } from './tls.ts';
import { exchange, type HttpMethod, type ProxmoxEnvelope } from './transport.ts';
import { isUpid } from './upid.ts';

export type { ProxmoxParams } from './form.ts';
export type { ProxmoxTaskResult } from './tasks.ts';

export interface CallOptions {
  signal?: AbortSignal;
  /** Safe to send twice? GET defaults to true, other methods to false. */
  idempotent?: boolean;
  /** Overrides the connection's per-request timeout for this call (e.g. a big upload). */
  timeoutMs?: number;
}

export interface ProxmoxClientOptions {
  /** Injected sleep for backoff and task polling. */
  sleep?: Sleep;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** Injected clock in ms (ticket age, task deadlines). */
  now?: () => number;
  /** Injected randomness for backoff jitter. */
  random?: () => number;
  /** First backoff delay (default 500 ms, doubling up to 10 s). */
  backoffBaseMs?: number;
  /** Most connections open at once to the API (default 8). */
  connections?: number;
}

interface Call {
  method: HttpMethod;
  path: string;
  query: string;
  body?: string | Buffer;
  contentType?: string;
  signal?: AbortSignal | undefined;
  idempotent: boolean;
  timeoutMs: number;
  authenticated: boolean;
}

/**
 * A client for one Proxmox VE API endpoint (a node or a cluster's entry point), with its
 * own pool of keep-alive connections.
 *
 * @example
 * const client = new ProxmoxClient({ url: 'https://pve1:8006',
 *   auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret }, tls: { fingerprint } });
 * const upid = await client.post<string>(apiPath`/nodes/pve1/qemu/${9000}/clone`, { newid: 105 });
 * await client.waitForTask(upid);
 */
export class ProxmoxClient {
  readonly #connection: ResolvedConnection;
  readonly #agent: Agent;
  readonly #auth: AuthSession;
  readonly #sleep: Sleep;
  readonly #now: () => number;
  readonly #retries: number;
  readonly #backoff: { baseMs: number; random: () => number };
  #closed = false;

  constructor(connection: ProxmoxConnection, options: ProxmoxClientOptions = {}) {
    this.#connection = resolveConnection(connection);
    const retries = options.retries ?? 3;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new TypeError(`retries must be a whole number ≥ 0, got ${retries}`);
    }
    this.#retries = retries;
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#backoff = { baseMs: options.backoffBaseMs ?? 500, random: options.random ?? Math.random };
    this.#agent = new Agent({
      connect: proxmoxTlsConnector(this.#connection, Math.min(this.#connection.timeoutMs, 10_000)),
      connections: options.connections ?? 8,
      pipelining: 1,
      // pveproxy drops a connection after 5 s without a request; reusing one it is
      // closing would fail a POST that cannot be retried.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 4_000,
    });
    const auth = this.#connection.auth;
    this.#auth =
      auth.type === 'token'
        ? tokenSession(auth)
        : new TicketSession(
            auth,
            (username, password) => this.#logIn(username, password),
            this.#now,
          );
  }

  /** GET: returns the `data` of the answer. */
  get<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T> {
    return this.#data<T>('GET', path, params, options);
  }

  post<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T> {
    return this.#data<T>('POST', path, params, options);
  }

  put<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T> {
    return this.#data<T>('PUT', path, params, options);
  }

  delete<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T> {
    return this.#data<T>('DELETE', path, params, options);
  }

  /**
   * Any call, returning the whole envelope: `data` and, for lists such as task logs,
   * `total`. Parameters go in the query for GET and DELETE, in a form body otherwise.
   */
  request<T>(
    method: HttpMethod,
    path: string,
    params?: ProxmoxParams,
    options: CallOptions = {},
  ): Promise<ProxmoxEnvelope<T>> {
    const inBody = method === 'POST' || method === 'PUT';
    const form = encodeForm(params);
    return this.#send<T>({
      method,
      path: checkApiPath(path),
      query: inBody ? '' : form,
      ...(inBody ? { body: form, contentType: 'application/x-www-form-urlencoded' } : {}),
      signal: options.signal,
      idempotent: options.idempotent ?? method === 'GET',
      timeoutMs: options.timeoutMs ?? this.#connection.timeoutMs,
      authenticated: true,
    });
  }

  /**
   * Uploads a file to a storage (multipart, with a Content-Length as Proxmox requires)
   * and returns the UPID of the copy task (`imgcopy`); wait for it with waitForTask.
   * The same name overwrites silently.
   */
  async uploadFile(
    node: string,
    storage: string,
    file: UploadFile,
    options: CallOptions = {},
  ): Promise<string> {
    const multipart = uploadMultipart(file);
    const path = apiPath`/nodes/${node}/storage/${storage}/upload`;
    const { data } = await this.#send<unknown>({
      method: 'POST',
      path,
      query: '',
      body: multipart.body,
      contentType: multipart.contentType,
      signal: options.signal,
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs ?? this.#connection.timeoutMs,
      authenticated: true,
    });
    if (!isUpid(data)) {
      throw new ProxmoxApiError({
        kind: 'other',
        method: 'POST',
        path,
        detail: `expected a task ID (UPID), got ${JSON.stringify(data)}`,
      });
    }
    return data;
  }

  /**
   * Polls a task until it stops. Resolves for `OK` and `WARNINGS: n`; rejects with a
   * ProxmoxTaskError (with the tail of the task log) for any other exit status, and
   * with a `timeout` ProxmoxApiError when `timeoutMs` passes first.
   */
  waitForTask(upid: string, options: WaitForTaskOptions = {}): Promise<ProxmoxTaskResult> {
    return waitForTask(this, upid, options, { now: this.#now, sleep: this.#sleep });
  }

  /** Closes the pooled connections; calls after this fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#agent.close();
  }

  async #data<T>(
    method: HttpMethod,
    path: string,
    params: ProxmoxParams | undefined,
    options: CallOptions | undefined,
  ): Promise<T> {
    const { data } = await this.request<T>(method, path, params, options);
    return data;
  }

  async #send<T>(call: Call): Promise<ProxmoxEnvelope<T>> {
    if (this.#closed) throw new Error(`Proxmox client for ${this.#connection.origin} is closed`);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.#sendAuthenticated(call)) as ProxmoxEnvelope<T>;
      } catch (err: unknown) {
        if (!(err instanceof ProxmoxApiError) || attempt >= this.#retries) throw err;
        const retry =
          (call.idempotent && isRetriedByClient(err)) || (!err.requestSent && err.kind !== 'tls');
        if (!retry) throw err;
        await this.#sleep(backoffDelay(attempt, this.#backoff), call.signal);
      }
    }
  }

  async #sendAuthenticated(call: Call): Promise<ProxmoxEnvelope> {
    if (!call.authenticated) return this.#exchange(call, {});
    const credentials = await this.#auth.credentials(call.method, call.signal);
    try {
      return await this.#exchange(call, credentials.headers);
    } catch (err: unknown) {
      // A 401 means the request was not carried out, so one retry is safe for any method.
      if (
        !(err instanceof ProxmoxApiError && err.status === 401) ||
        !this.#auth.renewAfterUnauthorized(credentials)
      ) {
        throw err;
      }
      const renewed = await this.#auth.credentials(call.method, call.signal);
      return this.#exchange(call, renewed.headers);
    }
  }

  #exchange(call: Call, authHeaders: Record<string, string>): Promise<ProxmoxEnvelope> {
    const headers: Record<string, string> = { accept: 'application/json', ...authHeaders };
    if (call.contentType) headers['content-type'] = call.contentType;
    if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
    return exchange(
      {
        agent: this.#agent,
        origin: this.#connection.origin,
        basePath: this.#connection.basePath,
        redact: (text) => this.#redact(text),
      },
      {
        method: call.method,
        path: call.path,
        query: call.query,
        headers,
        ...(call.body !== undefined ? { body: call.body } : {}),
        signal: call.signal,
        timeoutMs: call.timeoutMs,
      },
    );
  }

  async #logIn(username: string, password: string): Promise<TicketAnswer> {
    const { data } = await this.#send<TicketAnswer | null>({
      method: 'POST',
      path: '/access/ticket',
      query: '',
      body: encodeForm({ username, password }),
      contentType: 'application/x-www-form-urlencoded',
      idempotent: true,
      timeoutMs: this.#connection.timeoutMs,
      authenticated: false,
    });
    return data ?? {};
  }

  /** Replaces every secret this client holds (raw or URL-encoded) with ***. */
  #redact(text: string): string {
    let result = text;
    for (const secret of this.#auth.secrets()) {
      if (secret.length < 4) continue;
      for (const form of new Set([secret, encodeURIComponent(secret)])) {
        result = result.split(form).join('***');
      }
    }
    return result;
  }
}
