// Self-service request path figures on this machine: GET and LIST of ClusterDeployments
// as an administrator (admin token: RBAC short-circuits), as a project member with an
// API token (token lookup + RBAC + list filtering) and with a session cookie (session
// lookup + User read + RBAC); a cross-namespace LIST filtered for a member against the
// same LIST for an admin; POST /auth/login (scrypt); the audit log's cost (a second
// server without it); API-token requests once many other tokens exist (each request
// lists APITokens by prefix label, which scans the kind); the server's RSS and the
// machine's load average (other work on the cores shows in every figure). Figures, not
// assertions.
//
// The server runs in a child process (127.0.0.1, plain HTTP, SQLite store in a temporary
// directory), wired as src/server.ts wires the API: the instrumented store, the admin
// token, startIdentity (default scrypt cost), the three authenticators, the default RBAC
// authorizer with its ProjectIndex, and the SQLite audit log. Left out, because they are
// not on the request path: controllers (which would reconcile the objects during the
// run), GC, compactor, dashboard, TLS, request logging (logger off, as bench:api).
// Run: npm run bench:auth [-- --requests 5000 --logins 40 --tokens 1000]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import { ApiVersion } from '../src/api/meta.ts';
import {
  apiTokenAuthenticator,
  bearerTokenAuthenticator,
  ensureAdminToken,
  firstAuthenticator,
  sessionAuthenticator,
} from '../src/apiserver/authn.ts';
import { buildApiServer } from '../src/apiserver/server.ts';
import { openSqliteAuditLog } from '../src/audit/sqlite-audit-log.ts';
import { startIdentity } from '../src/identity/identity.ts';
import { defaultScryptParams } from '../src/identity/passwords.ts';
import { createMetrics } from '../src/metrics/registry.ts';
import { instrumentStore } from '../src/metrics/store-instrumentation.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { load, percentile, type Run } from './load.ts';

interface ServerStats {
  rssBytes: number;
  maxRssBytes: number;
  heapUsedBytes: number;
}
type FromServer =
  | { type: 'ready'; url: string; adminToken: string; rssBytes: number }
  | ({ type: 'stats' } & ServerStats);
type ToServer = { type: 'stats' } | { type: 'stop' };

// ---------------------------------------------------------------- server process

async function serve(audited: boolean): Promise<void> {
  const send = (message: FromServer) => process.send?.(message);
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-auth-'));
  const metrics = createMetrics();
  const rawStore = await openSqliteStore({ dataDir });
  const store = instrumentStore(rawStore, metrics);
  const adminToken = await ensureAdminToken(dataDir);
  const onError = (err: unknown) => console.error('bench server:', err);
  const identity = await startIdentity({ store, dataDir, onError });
  const audit = audited ? await openSqliteAuditLog({ dataDir, onError }) : undefined;
  const app = await buildApiServer({
    store,
    authenticate: firstAuthenticator(
      bearerTokenAuthenticator(adminToken),
      apiTokenAuthenticator(identity.tokens),
      sessionAuthenticator(identity.sessions, store),
    ),
    identity,
    logger: false,
    metrics: metrics.registry,
    ...(audit ? { audit } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  process.on('message', (message: ToServer) => {
    if (message.type === 'stats') {
      const maxRssBytes = process.resourceUsage().maxRSS * 1024;
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'stats', rssBytes: rss, maxRssBytes, heapUsedBytes: heapUsed });
      return;
    }
    void (async () => {
      await app.close();
      identity.stop();
      await audit?.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
  const url = `http://127.0.0.1:${address.port}`;
  send({ type: 'ready', url, adminToken, rssBytes: process.memoryUsage().rss });
}

// ---------------------------------------------------------------- clients

type Headers = Record<string, string>;

/** One request; throws unless it answers `code`. Returns the parsed body and headers. */
async function call(
  dispatcher: Dispatcher,
  method: Dispatcher.HttpMethod,
  path: string,
  headers: Headers,
  code: number,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ json: unknown; headers: Dispatcher.ResponseData['headers'] }> {
  const res = await dispatcher.request({
    origin: 'http://127.0.0.1',
    method,
    path,
    headers: body === undefined ? headers : { ...headers, 'content-type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode !== code)
    throw new Error(`${method} ${path}: expected ${code}, got ${res.statusCode}: ${text}`);
  return { json: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

const api = `/apis/${ApiVersion}`;
const projectCount = 20;
const perProject = 10;
const memberProject = 'team-07';
const members = ['member-0', 'member-1', 'member-2', 'member-3'];
const password = 'bench-password-0123456789';
const project = (i: number) => `team-${String(i).padStart(2, '0')}`;

interface Caller {
  label: string;
  headers: Headers;
}

/**
 * 20 Projects of 10 ClusterDeployments each; `members` belong to `team-07` (role member),
 * each other project has its own owner. Returns the three ways of calling.
 */
async function seed(url: string, adminToken: string): Promise<Caller[]> {
  const pool = new Pool(url, { connections: 8 });
  const admin = { authorization: `Bearer ${adminToken}` };
  for (const name of members) {
    await call(pool, 'POST', `${api}/users`, admin, 201, {
      apiVersion: ApiVersion,
      kind: 'User',
      metadata: { name },
      spec: {},
    });
    await call(pool, 'PUT', `${api}/users/${name}/password`, admin, 200, { password });
  }
  for (let p = 0; p < projectCount; p++) {
    const name = project(p);
    const owner = { user: `owner-${p}`, role: 'owner' };
    const projectMembers =
      name === memberProject
        ? [owner, ...members.map((user) => ({ user, role: 'member' }))]
        : [owner];
    await call(pool, 'POST', `${api}/projects`, admin, 201, {
      apiVersion: ApiVersion,
      kind: 'Project',
      metadata: { name },
      spec: { members: projectMembers, templates: ['*'], credentials: ['*'] },
    });
    await Promise.all(
      Array.from({ length: perProject }, (_, i) =>
        call(pool, 'POST', `${api}/namespaces/${name}/clusterdeployments`, admin, 201, {
          apiVersion: ApiVersion,
          kind: 'ClusterDeployment',
          metadata: { name: `cd-${i}`, namespace: name, labels: { team: name } },
          spec: {
            template: 'k3s-1-31-small',
            credential: 'proxmox-lab',
            config: { controlPlaneNumber: 1, workersNumber: 3, machineSize: 'medium' },
          },
        }),
      ),
    );
  }
  const issued = await call(pool, 'POST', `${api}/apitokens`, admin, 201, {
    apiVersion: ApiVersion,
    kind: 'APIToken',
    metadata: { name: 'bench-member-0' },
    spec: { user: 'member-0' },
  });
  const token = (issued.json as { status: { token: string } }).status.token;
  const login = await call(pool, 'POST', '/auth/login', {}, 200, {
    username: 'member-0',
    password,
  });
  await pool.close();
  return [
    { label: 'admin token', headers: admin },
    { label: 'member API token', headers: { authorization: `Bearer ${token}` } },
    { label: 'member session', headers: { cookie: sessionCookie(login.headers) } },
  ];
}

function sessionCookie(headers: Dispatcher.ResponseData['headers']): string {
  const setCookie = headers['set-cookie'];
  const values = Array.isArray(setCookie) ? setCookie : [setCookie ?? ''];
  const cookie = values.find((v) => v.startsWith('slipway_session='))?.split(';', 1)[0];
  if (cookie === undefined) throw new Error('login set no slipway_session cookie');
  return cookie;
}

/** A request that must answer 200 (and, for lists, carry `items` objects). */
function reader(path: (i: number) => string, headers: Headers, items?: number) {
  return async (pool: Pool, i: number) => {
    const { json } = await call(pool, 'GET', path(i), headers, 200);
    const got = (json as { items?: unknown[] }).items?.length;
    if (items !== undefined && got !== items)
      throw new Error(`${path(i)}: expected ${items} items, got ${String(got)}`);
  };
}

function startServer(
  audited: boolean,
): Promise<{ child: ChildProcess; ready: Extract<FromServer, { type: 'ready' }> }> {
  const args = ['--serve', ...(audited ? [] : ['--no-audit'])];
  const child = fork(import.meta.filename, args, { stdio: 'inherit' });
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

async function stopServer(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  child.send({ type: 'stop' } satisfies ToServer);
  await new Promise((resolve) => child.once('exit', resolve));
}

const ms = (n: number) => `${n.toFixed(2).padStart(7)} ms`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;
function row(label: string, run: Run, unit = 'req/s'): void {
  const rate = fmt(run.latencies.length / run.seconds).padStart(6);
  console.log(
    `  ${label.padEnd(46)} p50 ${ms(percentile(run.latencies, 50))}  p99 ${ms(percentile(run.latencies, 99))}  ${rate} ${unit}`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '5000' },
      logins: { type: 'string', default: '40' },
      tokens: { type: 'string', default: '1000' },
    },
  });
  const requests = Number(values.requests);
  const logins = Number(values.logins);
  const extraTokens = Number(values.tokens);
  const loadBefore = loadavg()[0] ?? 0;
  const { child, ready } = await startServer(true);
  const { url } = ready;
  let plain: ChildProcess | undefined;
  try {
    const callers = await seed(url, ready.adminToken);
    const [admin, token, session] = callers as [Caller, Caller, Caller];
    const getPath = (i: number) =>
      `${api}/namespaces/${memberProject}/clusterdeployments/cd-${i % perProject}`;
    const listPath = () => `${api}/namespaces/${memberProject}/clusterdeployments`;
    const allPath = () => `${api}/clusterdeployments`;
    // Warm-up: JIT, SQLite page cache, the session and token paths.
    for (const caller of callers) {
      await load(url, 16, 3000, reader(getPath, caller.headers));
      await load(url, 16, 1000, reader(listPath, caller.headers, perProject));
    }

    console.log(
      `slipway auth benchmark: HTTP on 127.0.0.1, SQLite store, audit log on, server in its own process`,
    );
    console.log(
      `  ${projectCount * perProject} ClusterDeployments in ${projectCount} project namespaces; the member belongs to ${memberProject} (${perProject} of them); ${fmt(requests)} requests per row`,
    );
    for (const caller of callers) {
      for (const clients of [1, 16]) {
        const c = `${clients} client${clients > 1 ? 's' : ''}`;
        row(
          `get,  ${caller.label}, ${c}`,
          await load(url, clients, requests, reader(getPath, caller.headers)),
        );
        const list = reader(listPath, caller.headers, perProject);
        row(
          `list ns (${perProject}), ${caller.label}, ${c}`,
          await load(url, clients, requests, list),
        );
      }
    }
    const all = Math.max(1, Math.floor(requests / 5));
    console.log(
      `  cross-namespace list (all ${projectCount * perProject}), ${fmt(all)} requests per row`,
    );
    for (const clients of [1, 16]) {
      const c = `${clients} client${clients > 1 ? 's' : ''}`;
      const member = reader(allPath, token.headers, perProject);
      row(
        `list all, member token (${perProject} kept), ${c}`,
        await load(url, clients, all, member),
      );
      const everything = reader(allPath, admin.headers, projectCount * perProject);
      row(
        `list all, admin token (${projectCount * perProject}), ${c}`,
        await load(url, clients, all, everything),
      );
    }

    const beforeLogins = await serverStats(child);

    const { logN, r, p } = defaultScryptParams;
    console.log(
      `  login (scrypt N=2^${logN}, r=${r}, p=${p}: ${fmt((128 * 2 ** logN * r) / 2 ** 20)} MiB per hash; each login also writes a session)`,
    );
    for (const clients of [1, 4]) {
      const login = async (pool: Pool, i: number) => {
        const username = members[i % members.length] ?? 'member-0';
        await call(pool, 'POST', '/auth/login', {}, 200, { username, password });
      };
      const run = await load(url, clients, logins, login);
      row(`POST /auth/login, ${clients} client${clients > 1 ? 's' : ''}`, run, 'logins/s');
    }

    const stats = await serverStats(child);

    // The audit log's cost: the same calls on a second server wired the same way, without it.
    // GETs of ClusterDeployments are not audited (only a hook that looks at the path runs);
    // PATCHes are (one queued entry each, written in batches).
    const second = await startServer(false);
    plain = second.child;
    const plainToken = (await seed(second.ready.url, second.ready.adminToken))[1] as Caller;
    const patch = (headers: Headers) => async (pool: Pool, i: number) => {
      const body = { metadata: { labels: { round: String(i) } } };
      await call(pool, 'PATCH', getPath(i), headers, 200, body, 'application/merge-patch+json');
    };
    const servers = [
      { label: 'audit on ', url, caller: token },
      { label: 'audit off', url: second.ready.url, caller: plainToken },
    ];
    for (const s of servers) {
      await load(s.url, 16, 3000, reader(getPath, s.caller.headers));
      await load(s.url, 16, 1000, patch(s.caller.headers));
    }
    console.log(`  audit log (member API token, 16 clients, second server without audit)`);
    for (const round of [1, 2]) {
      for (const s of servers) {
        row(
          `get,   ${s.label} (round ${round})`,
          await load(s.url, 16, requests, reader(getPath, s.caller.headers)),
        );
        row(
          `patch, ${s.label} (round ${round})`,
          await load(s.url, 16, all, patch(s.caller.headers)),
        );
      }
    }
    // Every API-token request lists APITokens by the token's prefix label; see how that
    // grows with the number of tokens in the store (all belonging to other users).
    const adminPool = new Pool(url, { connections: 8 });
    await Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < extraTokens; i += 8) {
          await call(adminPool, 'POST', `${api}/apitokens`, admin.headers, 201, {
            apiVersion: ApiVersion,
            kind: 'APIToken',
            metadata: { name: `other-${i}` },
            spec: { user: members[1 + (i % 3)] },
          });
        }
      }),
    );
    await adminPool.close();
    console.log(
      `  with ${fmt(extraTokens)} more APITokens in the store (other users'), ${fmt(all)} requests per row`,
    );
    for (const clients of [1, 16]) {
      const c = `${clients} client${clients > 1 ? 's' : ''}`;
      row(
        `get,  member API token, ${c}`,
        await load(url, clients, all, reader(getPath, token.headers)),
      );
      row(
        `get,  member session, ${c}`,
        await load(url, clients, all, reader(getPath, session.headers)),
      );
    }
    const atEnd = await serverStats(child);
    const rss = (label: string, s: ServerStats) =>
      console.log(
        `    ${label.padEnd(38)} ${mib(s.rssBytes)} (peak so far ${mib(s.maxRssBytes)}; JS heap in use ${mib(s.heapUsedBytes)})`,
      );
    console.log(`  server RSS (the audited server)`);
    console.log(`    ${'when the API opened'.padEnd(38)} ${mib(ready.rssBytes)}`);
    rss('after the get and list rows', beforeLogins);
    rss('after the logins', stats);
    rss(`at the end (${fmt(extraTokens)} more tokens)`, atEnd);
    const [load1, load5] = loadavg();
    console.log(
      `  machine load average ${loadBefore.toFixed(2)} at the start, ${(load1 ?? 0).toFixed(2)} (1 min) / ${(load5 ?? 0).toFixed(2)} (5 min) at the end, on ${availableParallelism()} cores`,
    );
  } finally {
    if (plain) await stopServer(plain);
    await stopServer(child);
  }
}

if (process.argv.includes('--serve')) await serve(!process.argv.includes('--no-audit'));
else if (import.meta.main) await main();
