// The audit log end to end: a real API server over HTTP writing DATA/audit.db, what it
// records (mutations with every outcome, Secret and kubeconfig reads, refused callers),
// what it leaves out (plain reads, bodies, headers, tokens), and the admin-only query API.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiVersion, type AnyResource } from '../src/api/index.ts';
import {
  AuthenticatedGroup,
  bearerToken,
  bearerTokenAuthenticator,
  firstAuthenticator,
  sessionAuthenticator,
} from '../src/apiserver/authn.ts';
import { auditEventsPath, type AuditEventList } from '../src/apiserver/routes/audit.ts';
import { buildApiServer } from '../src/apiserver/server.ts';
import {
  base,
  clusterDeployment,
  listen,
  openWatch,
  startTestServer,
  testToken,
  type TestServer,
} from '../src/apiserver/test-support.ts';
import { openSqliteAuditLog, type SqliteAuditLog } from '../src/audit/sqlite-audit-log.ts';
import type { AuditEvent } from '../src/audit/types.ts';
import { slipway } from '../src/cli/run-cli.test-support.ts';
import { startIdentity } from '../src/identity/identity.ts';
import { scryptHasher } from '../src/identity/passwords.ts';
import { fastParams } from '../src/identity/test-support.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';

const viewerToken = 'viewer-token-for-bob';
const secretValue = 'hunter2-SECRET-VALUE-7f3a9c';
const headerToken = 'HEADER-TOKEN-VALUE-91be44';
const cookieValue = 'COOKIE-VALUE-5d2e10';
const queryToken = 'QUERY-TOKEN-VALUE-0c77ab';

/** The admin token, and bob (authenticated, no admin) with his own token. */
const authenticator = firstAuthenticator(bearerTokenAuthenticator(testToken), (req) =>
  Promise.resolve(
    bearerToken(req) === viewerToken
      ? { username: 'bob', groups: [AuthenticatedGroup] }
      : undefined,
  ),
);

function secret(name: string, value: string): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    stringData: { password: value },
  };
}

describe('audit log', () => {
  let s: TestServer;
  let audit: SqliteAuditLog;
  let auditDir: string;
  let url: string;

  before(async () => {
    auditDir = await mkdtemp(join(tmpdir(), 'slipway-audit-test-'));
    audit = await openSqliteAuditLog({ dataDir: auditDir });
    s = await startTestServer({ authenticate: authenticator, audit });
    url = await listen(s.app);
  });
  after(async () => {
    await s.close();
    await audit.close();
    await rm(auditDir, { recursive: true, force: true });
  });

  async function http(
    method: string,
    path: string,
    opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'audit-test/1.0', ...opts.headers };
    if (opts.token !== null) headers['authorization'] = `Bearer ${opts.token ?? testToken}`;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      return fetch(`${url}${path}`, {
        method,
        headers,
        body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
      });
    }
    return fetch(`${url}${path}`, { method, headers });
  }

  async function events(query = ''): Promise<AuditEvent[]> {
    const res = await http('GET', `${auditEventsPath}${query}`);
    assert.equal(res.status, 200);
    const list = (await res.json()) as AuditEventList;
    return list.items;
  }

  it('records a create with who, what, where from and the outcome', async () => {
    const res = await http('POST', `${base}/namespaces/default/clusterdeployments`, {
      body: clusterDeployment('audited'),
    });
    assert.equal(res.status, 201);
    const [event] = await events('?resource=clusterdeployments&verb=create');
    assert.ok(event);
    assert.match(event.id, /^\d+$/);
    assert.ok(Math.abs(Date.parse(event.time) - Date.now()) < 10_000);
    assert.deepEqual(
      { ...event, id: '', time: '' },
      {
        id: '',
        time: '',
        user: 'admin',
        groups: ['system:masters', 'system:authenticated'],
        verb: 'create',
        apiGroup: 'slipway.dev',
        resource: 'clusterdeployments',
        namespace: 'default',
        // A create goes to the collection: the name comes from the answer.
        name: 'audited',
        path: `${base}/namespaces/default/clusterdeployments`,
        sourceIP: '127.0.0.1',
        userAgent: 'audit-test/1.0',
        code: 201,
        result: 'allowed',
      },
    );
  });

  it('records dry runs flagged, failures with their message, and refused callers', async () => {
    const cds = `${base}/namespaces/default/clusterdeployments`;
    assert.equal(
      (await http('POST', `${cds}?dryRun=All`, { body: clusterDeployment('dry') })).status,
      201,
    );
    assert.equal(
      (await http('PATCH', `${cds}/audited`, { token: viewerToken, body: {} })).status,
      403,
    );
    assert.equal((await http('DELETE', `${cds}/audited`, { token: 'wrong-token' })).status, 401);
    assert.equal((await http('DELETE', `${cds}/missing`)).status, 404);

    const recent = await events('?namespace=default');
    const dry = recent.find((e) => e.path === cds && e.dryRun === true);
    assert.equal(dry?.verb, 'create');
    assert.equal(dry.code, 201);

    const forbidden = recent.find((e) => e.verb === 'patch');
    assert.equal(forbidden?.user, 'bob');
    assert.deepEqual(forbidden.groups, [AuthenticatedGroup]);
    assert.equal(forbidden.result, 'denied');
    assert.equal(forbidden.code, 403);
    assert.match(forbidden.message ?? '', /forbidden: User "bob" cannot patch/);

    const deletes = recent.filter((e) => e.verb === 'delete');
    const anonymous = deletes.find((e) => e.name === 'audited');
    assert.equal(anonymous?.user, 'system:anonymous');
    assert.equal(anonymous.result, 'denied');
    assert.equal(anonymous.code, 401);
    assert.equal(anonymous.groups, undefined);
    const missing = deletes.find((e) => e.name === 'missing');
    assert.equal(missing?.result, 'error');
    assert.equal(missing.code, 404);
    assert.match(missing.message ?? '', /not found/);
  });

  it('records every read of Secrets (get, list, watch) and of a kubeconfig, but not other reads', async () => {
    await s.store.create(secret('db', 'value-in-store'));
    const before = (await events()).length;
    const secrets = `${base}/namespaces/default/secrets`;
    assert.equal((await http('GET', `${secrets}/db`)).status, 200);
    assert.equal((await http('GET', `${base}/secrets`)).status, 200);
    const watch = await openWatch(`${url}${secrets}?watch=true`);
    assert.equal((await watch.next())?.type, 'ADDED');
    watch.close();
    assert.equal(
      (await http('GET', `${base}/namespaces/default/clusterdeployments/audited/kubeconfig`))
        .status,
      409,
    );
    // Reads of other kinds are not audited.
    assert.equal((await http('GET', `${base}/namespaces/default/clusterdeployments`)).status, 200);
    assert.equal(
      (await http('GET', `${base}/namespaces/default/clusterdeployments/audited`)).status,
      200,
    );

    let all: AuditEvent[] = [];
    for (let i = 0; i < 50; i++) {
      all = await events();
      if (all.some((e) => e.verb === 'watch')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const added = all.slice(0, all.length - before);
    assert.deepEqual(
      added
        .map(
          (e) => `${e.verb} ${e.resource}/${e.subresource ?? ''} ${e.namespace ?? '*'} ${e.code}`,
        )
        .sort(),
      [
        'get clusterdeployments/kubeconfig default 409',
        'get secrets/ default 200',
        'list secrets/ * 200',
        'watch secrets/ default 200',
      ],
    );
  });

  it('is shown by `slipway audit`, filtered and newest first', async () => {
    const env = { SLIPWAY_SERVER: url, SLIPWAY_TOKEN: testToken };
    const run = await slipway(undefined, ['audit', '--user', 'bob', '--since', '1h'], { env });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^TIME\s+USER\s+VERB\s+TARGET\s+NAMESPACE\s+CODE\s+RESULT/);
    assert.equal(lines.length, 2, run.stdout);
    assert.match(
      lines[1] ?? '',
      /bob\s+patch\s+clusterdeployments\/audited\s+default\s+403\s+denied/,
    );

    const json = await slipway(undefined, ['audit', '--limit', '2', '-o', 'json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const items = JSON.parse(json.stdout) as AuditEvent[];
    assert.equal(items.length, 2);
    assert.ok(Date.parse(items[0]?.time ?? '') >= Date.parse(items[1]?.time ?? ''));

    const future = await slipway(undefined, ['audit', '--since', '2999-01-01T00:00:00Z'], { env });
    assert.equal(future.stdout, 'No audit entries found.\n');
    const bad = await slipway(undefined, ['audit', '--since', 'yesterday'], { env });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--since: "yesterday" is neither an RFC 3339 time nor a duration/);
    const refused = await slipway(undefined, ['audit'], {
      env: { SLIPWAY_SERVER: url, SLIPWAY_TOKEN: viewerToken },
    });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /Forbidden.*User "bob" cannot get path "\/apis\/audit.slipway.dev/,
    );
  });

  it('never stores a body, a token, a cookie or a query value: the raw audit.db bytes prove it', async () => {
    const secrets = `${base}/namespaces/default/secrets`;
    const headers = { cookie: `slipway_session=${cookieValue}`, 'x-api-key': headerToken };
    assert.equal(
      (await http('POST', secrets, { body: secret('leak-check', secretValue), headers })).status,
      201,
    );
    // A failing write, whose message might quote what was sent…
    assert.equal(
      (
        await http('POST', secrets, {
          body: `kind: Secret\nstringData:\n  password: ${secretValue}\n  [broken`,
          headers: { 'content-type': 'application/yaml', ...headers },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await http('POST', secrets, {
          body: `{"stringData": {"password": "${secretValue}"`,
          headers,
        })
      ).status,
      400,
    );
    // …a refused one carrying a token in the Authorization header and in the query.
    assert.equal(
      (
        await http('PUT', `${secrets}/leak-check?token=${queryToken}`, {
          token: headerToken,
          body: secret('leak-check', secretValue),
        })
      ).status,
      401,
    );
    const recorded = await events('?resource=secrets');
    assert.ok(recorded.filter((e) => e.verb === 'create').length >= 3);
    assert.ok(recorded.some((e) => e.verb === 'update' && e.code === 401));

    await audit.close(); // everything on disk
    const files = (await readdir(auditDir)).filter((f) => f.startsWith('audit.db'));
    assert.ok(files.includes('audit.db'));
    for (const file of files) {
      const bytes = await readFile(join(auditDir, file));
      for (const needle of [
        secretValue,
        headerToken,
        cookieValue,
        queryToken,
        testToken,
        viewerToken,
      ]) {
        assert.equal(bytes.includes(needle), false, `${file} contains ${needle}`);
      }
    }
    // The same check must be able to fail: the user agent, which is recorded, is found.
    const main = await readFile(join(auditDir, 'audit.db'));
    assert.ok(main.includes('audit-test/1.0'));
  });
});

describe('audit query API', () => {
  let s: TestServer;
  let audit: SqliteAuditLog;
  let auditDir: string;
  before(async () => {
    auditDir = await mkdtemp(join(tmpdir(), 'slipway-audit-test-'));
    audit = await openSqliteAuditLog({ dataDir: auditDir });
    s = await startTestServer({ authenticate: authenticator, audit });
  });
  after(async () => {
    await s.close();
    await audit.close();
    await rm(auditDir, { recursive: true, force: true });
  });

  it('pages newest first with a continue token and filters by user and time', async () => {
    for (let i = 0; i < 5; i++)
      await s.call(
        'POST',
        `${base}/namespaces/default/clusterdeployments`,
        clusterDeployment(`c${i}`),
      );
    await s.call('DELETE', `${base}/namespaces/default/clusterdeployments/c0`, undefined, {
      authorization: `Bearer ${viewerToken}`,
    });
    const first = await s.call('GET', `${auditEventsPath}?limit=3&user=admin`);
    assert.equal(first.statusCode, 200);
    const page1 = first.json<AuditEventList>();
    assert.equal(page1.apiVersion, 'audit.slipway.dev/v1alpha1');
    assert.equal(page1.kind, 'AuditEventList');
    assert.deepEqual(
      page1.items.map((e) => e.path.split('/').pop()),
      ['clusterdeployments', 'clusterdeployments', 'clusterdeployments'],
    );
    assert.ok(page1.metadata.continue);
    const page2 = (
      await s.call(
        'GET',
        `${auditEventsPath}?limit=3&user=admin&continue=${page1.metadata.continue}`,
      )
    ).json<AuditEventList>();
    assert.equal(page2.items.length, 2);
    assert.equal(page2.metadata.continue, undefined);
    const ids = [...page1.items, ...page2.items].map((e) => Number(e.id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );

    const bobs = (await s.call('GET', `${auditEventsPath}?user=bob`)).json<AuditEventList>();
    assert.deepEqual(
      bobs.items.map((e) => `${e.verb} ${e.name} ${e.result}`),
      ['delete c0 denied'],
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = (await s.call('GET', `${auditEventsPath}?since=${future}`)).json<AuditEventList>();
    assert.deepEqual(none.items, []);
    const untilFuture = (
      await s.call('GET', `${auditEventsPath}?until=${future}&verb=create`)
    ).json<AuditEventList>();
    assert.equal(untilFuture.items.length, 5);
  });

  it('is for administrators only', async () => {
    const res = await s.call('GET', auditEventsPath, undefined, {
      authorization: `Bearer ${viewerToken}`,
    });
    assert.equal(res.statusCode, 403);
    const anonymous = await s.app.inject({ method: 'GET', url: auditEventsPath });
    assert.equal(anonymous.statusCode, 401);
  });

  it('refuses parameters it cannot understand, naming them', async () => {
    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['until=2026-13-01', 'until'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['continue=bogus', 'continue'],
    ] as const) {
      const res = await s.call('GET', `${auditEventsPath}?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.match(res.json<{ message: string }>().message, new RegExp(field));
    }
    const capped = await s.call('GET', `${auditEventsPath}?limit=5000`);
    assert.equal(capped.statusCode, 200);
  });
});

describe('audit of sign-ins', () => {
  it('records logins (under the name tried, never the password), password changes and logouts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-audit-test-'));
    const store = await openSqliteStore({ dataDir });
    const identity = await startIdentity({
      store,
      dataDir,
      hasher: scryptHasher(fastParams),
      onError: () => {},
    });
    const log = await openSqliteAuditLog({ dataDir });
    const app = await buildApiServer({
      store,
      authenticate: firstAuthenticator(
        bearerTokenAuthenticator(testToken),
        sessionAuthenticator(identity.sessions, store),
      ),
      identity,
      audit: log,
    });
    const oldPassword = 'carol-old-password-3f9a';
    const newPassword = 'carol-new-password-81c2';
    try {
      await store.create({
        apiVersion: ApiVersion,
        kind: 'User',
        metadata: { name: 'carol' },
        spec: {},
      });
      await identity.passwords.set('carol', oldPassword);
      const login = (password: string) =>
        app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: 'carol', password },
        });
      assert.equal((await login(secretValue)).statusCode, 401);
      const ok = await login(oldPassword);
      assert.equal(ok.statusCode, 200, ok.body);
      const { csrfToken } = ok.json<{ csrfToken: string }>();
      const sessionCookie = String([ok.headers['set-cookie']].flat()[0]).split(';')[0] ?? '';
      const headers = { cookie: sessionCookie, 'x-csrf-token': csrfToken };
      const changed = await app.inject({
        method: 'PUT',
        url: `${base}/users/carol/password`,
        headers,
        payload: { password: newPassword, currentPassword: oldPassword },
      });
      assert.ok(changed.statusCode < 300, changed.body);
      const out = await app.inject({ method: 'POST', url: '/auth/logout', headers });
      assert.equal(out.statusCode, 204, out.body);

      const { items } = await log.query({ user: 'carol' });
      assert.deepEqual(
        items.map((e) => [e.verb, e.resource ?? e.path, e.subresource ?? '', e.code, e.result]),
        [
          ['post', '/auth/logout', '', 204, 'allowed'],
          ['update', 'users', 'password', changed.statusCode, 'allowed'],
          ['post', '/auth/login', '', 200, 'allowed'],
          ['post', '/auth/login', '', 401, 'denied'],
        ],
      );
      await log.close();
      const files = (await readdir(dataDir)).filter((f) => f.startsWith('audit.db'));
      for (const file of files) {
        const bytes = await readFile(join(dataDir, file));
        for (const needle of [
          secretValue,
          oldPassword,
          newPassword,
          csrfToken,
          sessionCookie.split('=')[1] ?? '',
        ]) {
          assert.ok(needle.length > 10);
          assert.equal(bytes.includes(needle), false, `${file} contains a secret`);
        }
      }
    } finally {
      await app.close();
      await log.close();
      identity.stop();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
