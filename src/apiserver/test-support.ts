// Shared by the API server's tests: a real server on a real SQLite store in a fresh
// temporary directory, and small helpers to call it. Not part of the server.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, HTTPMethods, InjectOptions, LightMyRequestResponse } from 'fastify';
import { ApiVersion, type AnyResource } from '../api/index.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store, Watch, WatchOptions } from '../store/types.ts';
import { bearerTokenAuthenticator } from './authn.ts';
import { buildApiServer, type ApiServerOptions } from './server.ts';

export const testToken = 'test-admin-token';
export const base = `/apis/${ApiVersion}`;

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  dataDir: string;
  /** `app.inject` with the admin token and JSON bodies. */
  call(
    method: HTTPMethods,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestServerOptions extends Partial<ApiServerOptions> {
  /** Wrap the real store, e.g. to observe what the server asks of it. */
  wrapStore?: (store: Store) => Store;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const { wrapStore, ...overrides } = opts;
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-apiserver-'));
  const store = await openSqliteStore({ dataDir });
  const served = wrapStore ? wrapStore(store) : store;
  const app = await buildApiServer({
    store: served,
    authenticate: bearerTokenAuthenticator(testToken),
    ...overrides,
  });
  return {
    app,
    store,
    dataDir,
    call(method, url, body, headers = {}) {
      const options: InjectOptions = {
        method,
        url,
        headers: { authorization: `Bearer ${testToken}`, ...headers },
      };
      // Objects go as JSON; strings go as given, with whatever Content-Type the test chose.
      if (typeof body === 'string') options.payload = body;
      else if (body !== undefined) {
        options.payload = JSON.stringify(body);
        options.headers = { 'content-type': 'application/json', ...options.headers };
      }
      return app.inject(options);
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A valid ClusterDeployment, with `spec` fields overridable. */
export function clusterDeployment(
  name: string,
  namespace = 'default',
  spec: Record<string, unknown> = {},
): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name, namespace },
    spec: { template: 'k3s-small', credential: 'lab', config: { workersNumber: 2 }, ...spec },
  };
}

export function clusterTemplate(
  name: string,
  namespace = 'default',
  upgradeTargets?: string[],
): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterTemplate',
    metadata: { name, namespace },
    spec: {
      provider: 'sim',
      distribution: { name: 'k3s', version: 'v1.31.4+k3s1' },
      ...(upgradeTargets !== undefined ? { upgradeTargets } : {}),
    },
  };
}

export function ipPool(name: string): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'IPPool',
    metadata: { name },
    spec: { addresses: ['10.0.0.10-10.0.0.20'], prefix: 24, gateway: '10.0.0.1' },
  };
}

/** The value at a dotted path (`spec.config.workersNumber`), or undefined. */
export function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The field paths of a Status' causes. */
export function causeFields(status: unknown): string[] {
  const causes = pick(status, 'details.causes');
  return Array.isArray(causes) ? causes.map((c) => String(pick(c, 'field'))) : [];
}

/** Listen on a free loopback port; returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
}

export interface WatchClient {
  status: number;
  contentType: string | null;
  /** The next event, or undefined when the stream ended. Rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<WatchLine | undefined>;
  close(): void;
}

export interface WatchLine {
  type: string;
  object: Record<string, unknown>;
}

/** Open a watch over real HTTP and read it line by line as events arrive. */
export async function openWatch(url: string): Promise<WatchClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${testToken}` },
    signal: abort.signal,
  });
  if (res.body === null) throw new Error('no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const newline = buffer.indexOf('\n');
        if (newline !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          return JSON.parse(line) as WatchLine;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('timed out waiting for a watch event');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error('timed out waiting for a watch event')),
            remaining,
          );
        });
        try {
          const chunk = await Promise.race([reader.read(), timeout]);
          if (chunk.done) return undefined;
          buffer += chunk.value;
        } finally {
          clearTimeout(timer);
        }
      }
    },
    close() {
      abort.abort();
    },
  };
}

/** The store with some methods replaced; the rest still run on the real store. */
export function overrideStore(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, prop) {
      const replaced: unknown = Reflect.get(overrides, prop);
      if (replaced !== undefined) return replaced;
      // Bound to the real store: its methods use private fields a proxy does not have.
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** The store, counting in `counts.open` the watches the server has open. */
export function countingStore(store: Store, counts: { open: number }): Store {
  return overrideStore(store, {
    async watch<T extends AnyResource>(opts: WatchOptions): Promise<Watch<T>> {
      const watch = await store.watch<T>(opts);
      counts.open++;
      const close = watch.close.bind(watch);
      let closed = false;
      watch.close = () => {
        if (!closed) counts.open--;
        closed = true;
        close();
      };
      return watch;
    },
  });
}

/** Poll `check` every 10 ms for up to 2 s. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await delay(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

/** Assert a Kubernetes Failure Status with this code and reason; returns it. */
export function assertStatus(
  res: { statusCode: number; json(): unknown },
  code: number,
  reason: string,
): unknown {
  assert.equal(res.statusCode, code);
  const status = res.json();
  assert.equal(pick(status, 'kind'), 'Status');
  assert.equal(pick(status, 'apiVersion'), 'v1');
  assert.deepEqual(pick(status, 'metadata'), {});
  assert.equal(pick(status, 'status'), 'Failure');
  assert.equal(pick(status, 'code'), code);
  assert.equal(pick(status, 'reason'), reason);
  assert.equal(typeof pick(status, 'message'), 'string');
  return status;
}
