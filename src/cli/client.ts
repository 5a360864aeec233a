// The CLI's only way to the server: HTTP(S) requests with a bearer token, and watch streams.
import { readFile } from 'node:fs/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { AnyResource } from '../api/index.ts';
import type { Connection } from './config.ts';
import { ApiError, CliError, ConnectionError, type StatusBody } from './errors.ts';
import { definedOnly } from './objects.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** The object; a Status body for ERROR. */
  object: AnyResource;
}

/** A list response: `{kind: "XList", metadata: {resourceVersion, continue}, items}`. */
export interface ResourceList {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: AnyResource[];
}

export type Query = Readonly<Record<string, string | undefined>>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** The Accept header; JSON unless given. */
  accept?: string;
  signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ApiClient {
  readonly server: string;
  readonly #token: string;
  readonly #dispatcher: Agent;
  readonly #signal: AbortSignal | undefined;

  private constructor(connection: Connection, ca: string | undefined, signal?: AbortSignal) {
    this.server = connection.server;
    this.#token = connection.token;
    this.#signal = signal;
    this.#dispatcher = new Agent({
      connect: connection.insecureSkipTlsVerify ? { rejectUnauthorized: false } : ca ? { ca } : {},
    });
  }

  /** A client for `connection`; every request is cancelled when `signal` aborts. */
  static async connect(connection: Connection, signal?: AbortSignal): Promise<ApiClient> {
    let ca: string | undefined;
    if (connection.certificateAuthority && !connection.insecureSkipTlsVerify) {
      try {
        ca = await readFile(connection.certificateAuthority, 'utf8');
      } catch (err: unknown) {
        throw new CliError(
          `cannot read certificate authority ${connection.certificateAuthority}: ${(err as Error).message}`,
        );
      }
    }
    return new ApiClient(connection, ca, signal);
  }

  /** Send one request and return the parsed JSON answer; throws ApiError on 4xx/5xx. */
  async request<T = unknown>(
    method: Method,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const response = await this.#send(method, path, options, false);
    const text = await response.body.text();
    if (response.statusCode >= 400) throw errorFromResponse(response.statusCode, text);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ConnectionError(
        `the server at ${this.server} did not answer with JSON (HTTP ${response.statusCode})`,
      );
    }
  }

  /** Like `request`, but the body as text (YAML subresources); throws ApiError on 4xx/5xx. */
  async requestText(method: Method, path: string, options: RequestOptions = {}): Promise<string> {
    const response = await this.#send(method, path, options, false);
    const text = await response.body.text();
    if (response.statusCode >= 400) throw errorFromResponse(response.statusCode, text);
    return text;
  }

  /** GET a list, following `continue` tokens until the last page. */
  async list(path: string, query: Query = {}, signal?: AbortSignal): Promise<ResourceList> {
    const first = await this.request<ResourceList>('GET', path, {
      query,
      ...definedOnly({ signal }),
    });
    let page = first;
    const items = [...(first.items ?? [])];
    while (page.metadata?.continue) {
      page = await this.request<ResourceList>('GET', path, {
        query: { ...query, continue: page.metadata.continue },
        ...definedOnly({ signal }),
      });
      items.push(...(page.items ?? []));
    }
    return { ...first, items };
  }

  /**
   * One watch stream (`?watch=true`), decoded from newline-delimited JSON. Ends when the
   * server closes the stream; callers resume from the last resourceVersion they saw.
   */
  async *watch(path: string, query: Query, signal?: AbortSignal): AsyncGenerator<WatchEvent> {
    const response = await this.#send(
      'GET',
      path,
      { query: { ...query, watch: 'true' }, ...definedOnly({ signal }) },
      true,
    );
    if (response.statusCode >= 400) {
      throw errorFromResponse(response.statusCode, await response.body.text());
    }
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) yield parseWatchLine(line);
        }
      }
    } finally {
      response.body.destroy();
    }
    if (buffered.trim()) yield parseWatchLine(buffered.trim());
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #send(
    method: Method,
    path: string,
    options: RequestOptions,
    streaming: boolean,
  ): Promise<Dispatcher.ResponseData> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: options.accept ?? 'application/json',
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const signals = [this.#signal, options.signal].filter((s) => s !== undefined);
    try {
      return await request(url, {
        method,
        headers,
        ...definedOnly({ body }),
        dispatcher: this.#dispatcher,
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
        // Watch streams stay quiet for long stretches between events.
        ...(streaming ? { bodyTimeout: 0 } : {}),
      });
    } catch (err: unknown) {
      throw connectionError(this.server, err);
    }
  }
}

function parseWatchLine(line: string): WatchEvent {
  try {
    return JSON.parse(line) as WatchEvent;
  } catch {
    throw new ConnectionError(`malformed watch event from the server: ${line.slice(0, 200)}`);
  }
}

function errorFromResponse(statusCode: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null && 'message' in body) {
      return new ApiError(statusCode, body as StatusBody);
    }
  } catch {
    // Not JSON: report the beginning of the text below.
  }
  const snippet = text.trim().slice(0, 200);
  return new ApiError(statusCode, {
    message: `the server returned HTTP ${statusCode}${snippet ? `: ${snippet}` : ''}`,
  });
}

const tlsHints: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server uses a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is signed by an unknown authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is signed by an unknown authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate is not valid for this host name',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
};

function connectionError(server: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'AbortError') return err;
  const cause = err instanceof Error ? err : new Error(String(err));
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  const tlsHint = tlsHints[code];
  if (tlsHint) {
    return new ConnectionError(
      `unable to connect to the server at ${server}: ${tlsHint} (${code}); pass ` +
        '--certificate-authority FILE, or --insecure-skip-tls-verify to skip verification',
    );
  }
  if (code === 'EPROTO' || /wrong version number/i.test(cause.message)) {
    return new ConnectionError(
      `unable to connect to the server at ${server}: TLS handshake failed; does the server ` +
        'speak plain HTTP (use an http:// URL)?',
    );
  }
  return new ConnectionError(`unable to connect to the server at ${server}: ${cause.message}`);
}
