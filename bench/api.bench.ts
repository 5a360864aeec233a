// API server figures on this machine: create and get latency at 1, 16 and 64
// concurrent clients, watch delivery latency to 100 watchers, the server's RSS, and
// the raw store write rate measured in the same run (so API figures read as a ratio
// to what the store alone can do). Figures, not assertions.
//
// The server runs in a child process (a real listener on 127.0.0.1, plain HTTP, SQLite
// store in a temporary directory) so that the clients' own work does not share its
// event loop (the clients still share this machine's cores with it). Run:
// npm run bench:api [-- --requests 10000 --watchers 100]
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Agent, Pool, request } from 'undici';
import { ApiVersion } from '../src/api/meta.ts';
import { bearerTokenAuthenticator } from '../src/apiserver/authn.ts';
import { buildApiServer } from '../src/apiserver/server.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { measureStoreWrites, type StoreWriteFigures } from './store.bench.ts';
import { load, percentile, type Run } from './load.ts';

interface ServerStats {
  rssBytes: number;
  maxRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

type FromServer =
  | { type: 'ready'; url: string; token: string; store: StoreWriteFigures; rssBytes: number }
  | ({ type: 'stats' } & ServerStats);

type ToServer = { type: 'stats' } | { type: 'stop' };

// ---------------------------------------------------------------- server process

async function serve(): Promise<void> {
  const send = (message: FromServer) => process.send?.(message);
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-api-'));
  // The raw store rate, on its own store so the API's objects start from empty.
  const rawStore = await openSqliteStore({ dataDir: join(dataDir, 'raw') });
  await measureStoreWrites(rawStore, 1000, 10_000_000);
  const storeFigures = await measureStoreWrites(rawStore, 5000);
  await rawStore.close();

  const store = await openSqliteStore({ dataDir: join(dataDir, 'api') });
  const token = randomBytes(32).toString('base64url');
  const app = await buildApiServer({
    store,
    authenticate: bearerTokenAuthenticator(token),
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');

  process.on('message', (message: ToServer) => {
    if (message.type === 'stats') {
      const usage = process.resourceUsage();
      send({
        type: 'stats',
        rssBytes: process.memoryUsage().rss,
        maxRssBytes: usage.maxRSS * 1024,
        cpuUserMs: usage.userCPUTime / 1000,
        cpuSystemMs: usage.systemCPUTime / 1000,
      });
    } else {
      void (async () => {
        await app.close();
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
        process.exit(0);
      })();
    }
  });
  send({
    type: 'ready',
    url: `http://127.0.0.1:${address.port}`,
    token,
    store: storeFigures,
    rssBytes: process.memoryUsage().rss,
  });
}

// ---------------------------------------------------------------- clients

function clusterDeploymentJson(name: string, namespace: string): string {
  return JSON.stringify({
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name, namespace, labels: { 'slipway.dev/bench': 'true', team: name.slice(-1) } },
    spec: {
      template: 'k3s-1-31-small',
      credential: 'proxmox-lab',
      config: { controlPlaneNumber: 1, workersNumber: 3, machineSize: 'medium' },
      services: [{ template: 'ingress-nginx', name: 'ingress', namespace: 'ingress' }],
    },
  });
}

async function expectStatus(
  res: { statusCode: number; body: { text(): Promise<string> } },
  code: number,
): Promise<void> {
  const text = await res.body.text();
  if (res.statusCode !== code)
    throw new Error(`expected ${code}, got ${res.statusCode}: ${text.slice(0, 300)}`);
}

interface WatchFigures {
  watchers: number;
  events: number;
  latencies: number[];
  missed: number;
}

/**
 * `watchers` streams on one collection; `writes` creates, `gapMs` apart. Latency is
 * from just before the create request is sent to the moment each watcher has read
 * the event off its socket, so it includes the write itself.
 */
async function watchDelivery(
  url: string,
  token: string,
  watchers: number,
  writes: number,
  gapMs: number,
  namespace: string,
): Promise<WatchFigures> {
  const headers = { authorization: `Bearer ${token}` };
  const collection = `${url}/apis/${ApiVersion}/namespaces/${namespace}/clusterdeployments`;
  const list = await request(collection, { headers });
  const rv = ((await list.body.json()) as { metadata: { resourceVersion: string } }).metadata
    .resourceVersion;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  const agent = new Agent({ connections: watchers + 8 });
  const abort = new AbortController();
  const streams = await Promise.all(
    Array.from({ length: watchers }, async () => {
      const res = await request(`${collection}?watch=true&resourceVersion=${rv}`, {
        headers,
        dispatcher: agent,
        signal: abort.signal,
      });
      if (res.statusCode !== 200) throw new Error(`watch answered ${res.statusCode}`);
      return res;
    }),
  );
  const readers = streams.map(async (res) => {
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        const now = performance.now();
        buffer += String(chunk);
        let newline: number;
        while ((newline = buffer.indexOf('\n')) !== -1) {
          const event = JSON.parse(buffer.slice(0, newline)) as {
            type: string;
            object: { metadata: { name: string } };
          };
          buffer = buffer.slice(newline + 1);
          const sent = sentAt.get(event.object.metadata.name);
          if (event.type === 'ADDED' && sent !== undefined) {
            latencies.push(now - sent);
            received++;
          }
        }
      }
    } catch (err: unknown) {
      if (!abort.signal.aborted) throw err;
    }
  });
  const pool = new Pool(url, { connections: 4 });
  for (let i = 0; i < writes; i++) {
    const name = `w${gapMs}-${i}`;
    sentAt.set(name, performance.now());
    const res = await pool.request({
      method: 'POST',
      path: `/apis/${ApiVersion}/namespaces/${namespace}/clusterdeployments`,
      headers: { ...headers, 'content-type': 'application/json' },
      body: clusterDeploymentJson(name, namespace),
    });
    await expectStatus(res, 201);
    if (gapMs > 0) await delay(gapMs);
  }
  const deadline = Date.now() + 10_000;
  while (received < writes * watchers && Date.now() < deadline) await delay(20);
  abort.abort();
  await Promise.allSettled(readers);
  await pool.close();
  await agent.close();
  latencies.sort((a, b) => a - b);
  return { watchers, events: writes, latencies, missed: writes * watchers - received };
}

// ---------------------------------------------------------------- report

function startServer(): Promise<{
  child: ChildProcess;
  ready: Extract<FromServer, { type: 'ready' }>;
}> {
  const child = fork(import.meta.filename, ['--serve'], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.once('message', (message: FromServer) => {
      if (message.type === 'ready') resolve({ child, ready: message });
    });
  });
}

function serverStats(child: ChildProcess): Promise<ServerStats> {
  return new Promise((resolve) => {
    child.once('message', (message: FromServer) => {
      if (message.type === 'stats') resolve(message);
    });
    child.send({ type: 'stats' } satisfies ToServer);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000' },
      watchers: { type: 'string', default: '100' },
    },
  });
  const requests = Number(values.requests);
  const watchers = Number(values.watchers);
  const { child, ready } = await startServer();
  const { url, token } = ready;
  const headers = { authorization: `Bearer ${token}` };
  const base = `/apis/${ApiVersion}/namespaces`;
  const ms = (n: number) => `${n.toFixed(2).padStart(6)} ms`;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const row = (label: string, run: Run) =>
    console.log(
      `  ${label.padEnd(22)} p50 ${ms(percentile(run.latencies, 50))}  p99 ${ms(percentile(run.latencies, 99))}  ${fmt(run.latencies.length / run.seconds).padStart(6)} req/s`,
    );

  try {
    const create = (ns: string, prefix: string) => async (pool: Pool, i: number) => {
      const res = await pool.request({
        method: 'POST',
        path: `${base}/${ns}/clusterdeployments`,
        headers: { ...headers, 'content-type': 'application/json' },
        body: clusterDeploymentJson(`${prefix}-${i}`, ns),
      });
      await expectStatus(res, 201);
    };
    const get = (ns: string, prefix: string, count: number) => async (pool: Pool, i: number) => {
      const res = await pool.request({
        method: 'GET',
        path: `${base}/${ns}/clusterdeployments/${prefix}-${(i * 7919) % count}`,
        headers,
      });
      await expectStatus(res, 200);
    };
    // Warm-up: the first thousands of requests run on cold JIT code and a cold SQLite
    // page cache, and would otherwise land in the first row's tail latency.
    await load(url, 16, 5000, create('warmup', 'c'));
    await load(url, 16, 20_000, get('warmup', 'c', 5000));

    console.log(
      `slipway API benchmark: HTTP on 127.0.0.1, SQLite store, server in its own process, ${fmt(requests)} requests per row`,
    );
    console.log(
      `  raw store (same run)   ${fmt(ready.store.createsPerSecond)} creates/s, ${fmt(ready.store.updatesPerSecond)} updates/s (sequential)`,
    );
    for (const clients of [1, 16, 64]) {
      const ns = `bench-${clients}`;
      const created = await load(url, clients, requests, create(ns, 'c'));
      const got = await load(url, clients, requests, get(ns, 'c', requests));
      row(`create, ${clients} client${clients > 1 ? 's' : ''}`, created);
      row(`get,    ${clients} client${clients > 1 ? 's' : ''}`, got);
    }

    const line = (label: string, w: WatchFigures) =>
      console.log(
        `  ${label.padEnd(22)} p50 ${ms(percentile(w.latencies, 50))}  p99 ${ms(percentile(w.latencies, 99))}  max ${ms(w.latencies.at(-1) ?? 0)}  (${fmt(w.latencies.length)} deliveries${w.missed ? `, ${fmt(w.missed)} MISSED` : ''})`,
      );
    const steady = await watchDelivery(url, token, watchers, 200, 20, 'watch-steady');
    line(`watch, ${watchers} watchers`, steady);
    const burst = await watchDelivery(url, token, watchers, 200, 0, 'watch-burst');
    line(`watch burst, ${watchers}`, burst);
    console.log(
      '    (write sent → event read by each watcher; steady = one write every 20 ms, burst = back to back)',
    );

    const stats = await serverStats(child);
    console.log(
      `  server RSS             ${fmt(stats.rssBytes / 2 ** 20)} MiB at the end, ${fmt(stats.maxRssBytes / 2 ** 20)} MiB peak, ${fmt(ready.rssBytes / 2 ** 20)} MiB when the API opened`,
    );
    console.log(
      `  server CPU             ${fmt(stats.cpuUserMs)} ms user, ${fmt(stats.cpuSystemMs)} ms system (whole run)`,
    );
  } finally {
    child.removeAllListeners('exit');
    child.send({ type: 'stop' } satisfies ToServer);
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv.includes('--serve')) await serve();
else if (import.meta.main) await main();
