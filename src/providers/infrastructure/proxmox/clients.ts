// One API client per credential, reused across calls (one pool of keep-alive
// connections per Proxmox endpoint), closed after a while unused or when the secret
// changes (the cache key holds a hash of it, so a rotated token gets a new client).
import { ProxmoxClient, type CallOptions, type ProxmoxConnection } from './api/index.ts';
import type { ProxmoxParams, UploadFile, WaitForTaskOptions } from './api/index.ts';
import type { ProxmoxTaskResult } from './api/index.ts';

/** The part of the API client the provider uses (ProxmoxClient has it). */
export interface ProxmoxApi {
  get<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T>;
  post<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T>;
  put<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T>;
  delete<T>(path: string, params?: ProxmoxParams, options?: CallOptions): Promise<T>;
  uploadFile(
    node: string,
    storage: string,
    file: UploadFile,
    options?: CallOptions,
  ): Promise<string>;
  waitForTask(upid: string, options?: WaitForTaskOptions): Promise<ProxmoxTaskResult>;
  close(): Promise<void>;
}

export type ProxmoxApiFactory = (connection: ProxmoxConnection) => ProxmoxApi;

/**
 * Sleeps on a timer that does not keep the process alive: task polls run in the
 * background and must not hold up a server that is shutting down.
 */
function backgroundSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const defaultApiFactory: ProxmoxApiFactory = (connection) =>
  new ProxmoxClient(connection, { sleep: backgroundSleep });

interface Entry {
  api: ProxmoxApi;
  timer: NodeJS.Timeout;
}

export class ProxmoxClientCache {
  readonly #factory: ProxmoxApiFactory;
  readonly #idleMs: number;
  readonly #entries = new Map<string, Entry>();
  /** Which key each URL+login last used, to close a client whose secret was replaced. */
  readonly #byLogin = new Map<string, string>();

  constructor(factory: ProxmoxApiFactory = defaultApiFactory, idleMs = 5 * 60_000) {
    this.#factory = factory;
    this.#idleMs = idleMs;
  }

  /** The client for a credential's connection, made on first use. */
  get(cacheKey: string, connection: ProxmoxConnection): ProxmoxApi {
    let entry = this.#entries.get(cacheKey);
    if (entry) {
      entry.timer.refresh();
      return entry.api;
    }
    const login = cacheKey.slice(0, cacheKey.lastIndexOf('|'));
    const replaced = this.#byLogin.get(login);
    if (replaced !== undefined && replaced !== cacheKey) this.#drop(replaced);
    this.#byLogin.set(login, cacheKey);
    const api = this.#factory(connection);
    const timer = setTimeout(() => this.#drop(cacheKey), this.#idleMs);
    timer.unref();
    entry = { api, timer };
    this.#entries.set(cacheKey, entry);
    return api;
  }

  #drop(cacheKey: string): void {
    const entry = this.#entries.get(cacheKey);
    if (!entry) return;
    this.#entries.delete(cacheKey);
    clearTimeout(entry.timer);
    // Calls still running on it finish or fail; the next call makes a new client.
    void entry.api.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    this.#byLogin.clear();
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.all(entries.map((e) => e.api.close().catch(() => undefined)));
  }
}
