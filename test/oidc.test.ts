// OIDC login against a real OpenID provider (oidc-provider) run in this process over
// HTTPS on 127.0.0.1 with a certificate made for the test. The "browser" is undici with
// redirects followed by hand and a cookie jar; the provider's development login form is
// posted like a person would. Ends with a session cookie that authenticates, and checks
// that forged, replayed and stale callbacks are refused.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Provider, type AccountClaims } from 'oidc-provider';
import { pino } from 'pino';
import { Agent, fetch } from 'undici';
import { ApiVersion, type AnyResource } from '../src/api/index.ts';
import type { User } from '../src/api/kinds/user.ts';
import {
  AdminGroup,
  bearerTokenAuthenticator,
  firstAuthenticator,
  sessionAuthenticator,
} from '../src/apiserver/authn.ts';
import { auditEventsPath, type AuditEventList } from '../src/apiserver/routes/audit.ts';
import { buildApiServer } from '../src/apiserver/server.ts';
import { openSqliteAuditLog, type SqliteAuditLog } from '../src/audit/sqlite-audit-log.ts';
import { ensureServingCertificate } from '../src/apiserver/tls.ts';
import { OidcAnnotations, OidcLogin, issuerUrl } from '../src/identity/oidc.ts';
import { ApiTokens } from '../src/identity/api-tokens.ts';
import { scryptHasher } from '../src/identity/passwords.ts';
import { LoginRateLimiter } from '../src/identity/rate-limit.ts';
import { SessionStore } from '../src/identity/sessions.ts';
import { UserPasswords } from '../src/identity/users.ts';
import { slipway } from '../src/cli/run-cli.test-support.ts';
import { startServer } from '../src/server.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';

const adminToken = 'oidc-test-admin-token';
const clientId = 'slipway';
const clientSecret = 'oidc-test-client-secret-0123456789abcdef';
// Never fetched: the test hands the provider's redirect to the API server by inject.
const redirectUrl = 'https://127.0.0.1:6443/auth/oidc/callback';

interface Whoami {
  username: string;
  groups: string[];
  admin: boolean;
  csrfToken?: string;
}

const accounts = new Map<string, AccountClaims>([
  [
    'alice-account',
    {
      sub: 'alice-account',
      preferred_username: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.test',
      // `system:masters` from a provider must not make anyone an admin.
      groups: ['course-staff', 'physics', 'system:masters'],
    },
  ],
  ['impostor', { sub: 'impostor', preferred_username: 'admin', groups: [] }],
  ['carol-account', { sub: 'carol-account', preferred_username: 'carol', groups: [] }],
  ['Bad Name', { sub: 'Bad Name', preferred_username: 'Bad Name', groups: [] }],
]);

/** A cookie jar that honours Path (what oidc-provider's interaction cookies need). */
class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attributes.some((a) => /^max-age=0$/i.test(a)) || value === '';
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path });
    }
  }

  header(url: URL): string {
    return [...this.#cookies]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }
}

// The provider, shared by every test: HTTPS on 127.0.0.1 with a certificate made here.
let provider: Server;
let issuer: string;
let idpDir: string;
let idpCert: string;
let dispatcher: Agent;
// `slipway server` on a port picked up front, so the provider can know its callback.
const serverPort = await freePort();
const serverRedirectUrl = `http://127.0.0.1:${serverPort}/auth/oidc/callback`;

before(async () => {
  idpDir = await mkdtemp(join(tmpdir(), 'slipway-oidc-idp-'));
  const tls = await ensureServingCertificate(idpDir, ['127.0.0.1']);
  idpCert = tls.cert;
  dispatcher = new Agent({ connect: { ca: tls.cert } });
  provider = createServer({ cert: tls.cert, key: tls.key });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const address = provider.address();
  assert.ok(typeof address === 'object' && address !== null);
  issuer = `https://127.0.0.1:${address.port}`;
  const oidc = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUrl, serverRedirectUrl],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email'],
      groups: ['groups'],
    },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, id) => {
      const claims = accounts.get(id);
      return Promise.resolve(
        claims === undefined ? undefined : { accountId: id, claims: () => claims },
      );
    },
  });
  provider.on('request', oidc.callback());
});

after(async () => {
  provider.closeAllConnections();
  await new Promise((resolve) => provider.close(resolve));
  await dispatcher.close();
  await rm(idpDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

/** The provider's steps, as a browser: follow redirects, post the login and consent forms. */
async function signInAtProvider(
  authorizationUrl: string,
  account: string,
  callbackUrl = redirectUrl,
): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 20; step++) {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers: {
        cookie: jar.header(url),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      redirect: 'manual',
      dispatcher,
    });
    jar.store(res.headers);
    form = undefined;
    const location = res.headers.get('location');
    if (location !== null) {
      const next = new URL(location, url);
      if (next.href.startsWith(callbackUrl)) return next;
      url = next;
      continue;
    }
    assert.equal(res.status, 200, `unexpected ${res.status} at ${url.href}`);
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(action && prompt, `no form at ${url.href}`);
    url = new URL(action.replaceAll('&amp;', '&'), url);
    form = prompt === 'login' ? { prompt, login: account, password: 'anything' } : { prompt };
  }
  assert.fail('the provider never redirected back');
}

describe('OIDC login', () => {
  let dataDir: string;
  let store: Store;
  let app: FastifyInstance;
  let login: OidcLogin;
  let audit: SqliteAuditLog;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-oidc-'));
    store = await openSqliteStore({ dataDir });
    const sessions = new SessionStore({ store });
    login = await OidcLogin.discover(
      { issuer, clientId, clientSecret, redirectUrl, caCert: idpCert },
      store,
    );
    audit = await openSqliteAuditLog({ dataDir });
    app = await buildApiServer({
      store,
      audit,
      authenticate: firstAuthenticator(
        bearerTokenAuthenticator(adminToken),
        sessionAuthenticator(sessions, store),
      ),
      // Whatever RBAC decides is not under test here: everyone may do everything.
      authorize: () => Promise.resolve({ allowed: true }),
      identity: {
        sessions,
        passwords: new UserPasswords({ store, hasher: scryptHasher() }),
        rateLimiter: new LoginRateLimiter(),
        tokens: new ApiTokens({ store }),
        oidc: { enabled: true, name: 'Test IdP' },
      },
      oidc: login,
    });
  });

  after(async () => {
    await app.close();
    await audit.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** GET /auth/oidc/login: the pending-login cookie and the provider's URL. */
  async function startLogin(): Promise<{ cookie: string; location: string }> {
    const res = await app.inject({ method: 'GET', url: '/auth/oidc/login' });
    assert.equal(res.statusCode, 302);
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /^slipway_oidc=[A-Za-z0-9_-]{43};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Path=\/auth\/oidc/);
    return { cookie: setCookie.split(';')[0] ?? '', location: String(res.headers.location) };
  }

  function callback(url: URL, cookie?: string, accept?: string) {
    return app.inject({
      method: 'GET',
      url: `${url.pathname}${url.search}`,
      headers: {
        ...(cookie === undefined ? {} : { cookie }),
        ...(accept === undefined ? {} : { accept }),
      },
    });
  }

  async function whoIs(sessionCookie: string): Promise<Whoami> {
    const res = await app.inject({
      method: 'GET',
      url: '/auth/whoami',
      headers: { cookie: sessionCookie },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Whoami>();
  }

  it('signs in through the provider and leaves with a session that authenticates', async () => {
    const { cookie, location } = await startLogin();
    const authorization = new URL(location);
    assert.equal(authorization.origin, issuer);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('code_challenge'));
    assert.ok(authorization.searchParams.get('state'));
    assert.ok(authorization.searchParams.get('nonce'));
    assert.equal(authorization.searchParams.get('redirect_uri'), redirectUrl);
    assert.match(authorization.searchParams.get('scope') ?? '', /\bopenid\b.*\bgroups\b/);

    const back = await signInAtProvider(location, 'alice-account');
    assert.ok(back.searchParams.get('code'));
    const res = await callback(back, cookie);
    assert.equal(res.statusCode, 302, res.body);
    assert.equal(res.headers.location, '/');
    const cookies = [res.headers['set-cookie']].flat().map(String);
    const session = cookies.find((c) => c.startsWith('slipway_session='));
    assert.ok(session, cookies.join('\n'));
    assert.match(session, /HttpOnly/);
    assert.match(session, /Secure/);
    assert.match(session, /SameSite=Strict/);
    assert.match(session, /Path=\//);
    // The pending login's cookie is cleared.
    assert.ok(cookies.some((c) => /^slipway_oidc=;.*Max-Age=0/.test(c)));

    const user = await whoIs(session.split(';')[0] ?? '');
    assert.equal(user.username, 'alice');
    assert.ok(user.groups.includes('course-staff'));
    assert.ok(user.groups.includes('physics'));
    assert.equal(user.groups.includes(AdminGroup), false);
    assert.equal(user.admin, false);
    assert.ok(user.csrfToken, 'a session caller gets its CSRF token');
    const config = await app.inject({ method: 'GET', url: '/auth/config' });
    assert.deepEqual(config.json<{ oidc: unknown }>().oidc, { enabled: true, name: 'Test IdP' });

    const stored = await store.get<User & AnyResource>('User', undefined, 'alice');
    assert.deepEqual(stored.spec, {
      displayName: 'Alice Liddell',
      email: 'alice@example.test',
      groups: ['course-staff', 'physics'],
    });
    assert.equal(stored.metadata.annotations?.[OidcAnnotations.issuer], `${issuer}`);
    assert.equal(stored.metadata.annotations?.[OidcAnnotations.subject], 'alice-account');

    // The same callback a second time (a replay, even with the cookie) is refused.
    const replay = await callback(back, cookie);
    assert.equal(replay.statusCode, 400);
    assert.match(replay.json<{ message: string }>().message, /no login is in progress/);

    // Both are in the audit log: the login under alice's name, the replay refused.
    const logins = (await audit.query()).items.filter((e) => e.path === '/auth/oidc/callback');
    assert.deepEqual(
      logins.map((e) => [e.user, e.code, e.result]),
      [
        ['system:anonymous', 400, 'error'],
        ['alice', 302, 'allowed'],
      ],
    );
  });

  it('updates the groups at the next login', async () => {
    const alice = accounts.get('alice-account');
    assert.ok(alice);
    alice['groups'] = ['physics'];
    const { cookie, location } = await startLogin();
    const res = await callback(await signInAtProvider(location, 'alice-account'), cookie);
    assert.equal(res.statusCode, 302, res.body);
    const stored = await store.get<User & AnyResource>('User', undefined, 'alice');
    assert.deepEqual(stored.spec.groups, ['physics']);
  });

  it('refuses a callback whose state is not the one it sent, or without the pending-login cookie', async () => {
    const { cookie, location } = await startLogin();
    const back = await signInAtProvider(location, 'carol-account');
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    const res = await callback(forged, cookie);
    assert.equal(res.statusCode, 400);
    assert.match(res.json<{ message: string }>().message, /state mismatch/);
    // A failed callback clears the pending-login cookie too.
    assert.ok(
      [res.headers['set-cookie']].flat().some((c) => /^slipway_oidc=;.*Max-Age=0/.test(String(c))),
    );
    // The attempt used up the pending login: the genuine callback is refused now too.
    assert.equal((await callback(back, cookie)).statusCode, 400);

    const second = await startLogin();
    const back2 = await signInAtProvider(second.location, 'carol-account');
    // In another browser (no cookie): refused, and a browser gets a page that says why.
    const page = await callback(back2, undefined, 'text/html,application/xhtml+xml;q=0.9');
    assert.equal(page.statusCode, 400);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<p role="alert">OIDC login failed: [^<]+<\/p>/);
    assert.match(page.body, /<a href="\/">Back to sign in<\/a>/);
    await assert.rejects(store.get('User', undefined, 'carol'));
  });

  it('never signs a provider account in as an existing local user it is not linked to', async () => {
    await store.create({
      apiVersion: ApiVersion,
      kind: 'User',
      metadata: { name: 'admin' },
      spec: { admin: true },
    });
    const { cookie, location } = await startLogin();
    const res = await callback(await signInAtProvider(location, 'impostor'), cookie);
    assert.equal(res.statusCode, 403);
    assert.match(res.json<{ message: string }>().message, /user "admin" exists and is not linked/);
    assert.equal(
      [res.headers['set-cookie']].flat().some((c) => String(c).startsWith('slipway_session=')),
      false,
    );
  });

  it('refuses a disabled user, and a user name that is not a valid name', async () => {
    const alice = await store.get<User & AnyResource>('User', undefined, 'alice');
    await store.update({ ...alice, spec: { ...alice.spec, disabled: true } });
    let started = await startLogin();
    let res = await callback(
      await signInAtProvider(started.location, 'alice-account'),
      started.cookie,
    );
    assert.equal(res.statusCode, 403);
    assert.match(res.json<{ message: string }>().message, /user "alice" is disabled/);

    started = await startLogin();
    res = await callback(await signInAtProvider(started.location, 'Bad Name'), started.cookie);
    assert.equal(res.statusCode, 403);
    assert.match(
      res.json<{ message: string }>().message,
      /user name "Bad Name" from claim "preferred_username" is not a valid User name/,
    );
  });
});

describe('slipway server with --oidc-* options', () => {
  it('signs in over real HTTP, says so in /auth/config, and audits the login', async () => {
    accounts.set('dave-account', {
      sub: 'dave-account',
      preferred_username: 'dave',
      groups: ['chemistry'],
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-oidc-server-'));
    await writeFile(join(dataDir, 'client-secret'), `${clientSecret}\n`, { mode: 0o600 });
    await writeFile(join(dataDir, 'idp-ca.pem'), idpCert);
    const server = await startServer({
      dataDir,
      listen: `127.0.0.1:${serverPort}`,
      insecureHttp: true,
      logger: pino({ level: 'silent' }),
      // The redirect URL is the default one: this server's URL + /auth/oidc/callback.
      oidc: {
        issuer,
        clientId,
        clientSecretFile: join(dataDir, 'client-secret'),
        caFile: join(dataDir, 'idp-ca.pem'),
        name: 'University login',
      },
    });
    try {
      const config = await fetch(`${server.url}/auth/config`);
      assert.deepEqual(((await config.json()) as { oidc: unknown }).oidc, {
        enabled: true,
        name: 'University login',
      });
      const start = await fetch(`${server.url}/auth/oidc/login`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const pending = start.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      const back = await signInAtProvider(
        start.headers.get('location') ?? '',
        'dave-account',
        serverRedirectUrl,
      );
      const done = await fetch(back, { headers: { cookie: pending }, redirect: 'manual' });
      assert.equal(done.status, 302, await done.text());
      assert.equal(done.headers.get('location'), '/');
      const session = done.headers
        .getSetCookie()
        .find((c) => c.startsWith('slipway_session='))
        ?.split(';')[0];
      assert.ok(session);
      const whoami = await fetch(`${server.url}/auth/whoami`, { headers: { cookie: session } });
      assert.equal(whoami.status, 200);
      const me = (await whoami.json()) as Whoami;
      assert.equal(me.username, 'dave');
      assert.ok(me.groups.includes('chemistry'));

      const token = (await readFile(server.adminTokenPath, 'utf8')).trim();
      const audit = await fetch(`${server.url}${auditEventsPath}?user=dave`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const entries = ((await audit.json()) as AuditEventList).items;
      assert.ok(
        entries.some((e) => e.path === '/auth/oidc/callback' && e.result === 'allowed'),
        JSON.stringify(entries),
      );
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses --oidc-* options that do not go together, naming them', async () => {
    const env = { SLIPWAY_DATA_DIR: '/nonexistent/slipway-oidc' };
    const noIssuer = await slipway(undefined, ['server', '--oidc-client-id', 'x'], { env });
    assert.notEqual(noIssuer.code, 0);
    assert.match(noIssuer.stderr, /--oidc-client-id needs --oidc-issuer/);
    const noClient = await slipway(undefined, ['server', '--oidc-issuer', issuer], { env });
    assert.notEqual(noClient.code, 0);
    assert.match(noClient.stderr, /--oidc-issuer needs --oidc-client-id/);
    await assert.rejects(
      startServer({
        dataDir: '/nonexistent/slipway-oidc',
        listen: '127.0.0.1:0',
        insecureHttp: true,
        oidc: { issuer, clientId },
      }),
      /--oidc-redirect-url is required when the server listens on port 0/,
    );
    await assert.rejects(
      startServer({
        dataDir: '/nonexistent/slipway-oidc',
        listen: '127.0.0.1:6443',
        oidc: { issuer, clientId, clientSecretFile: '/nonexistent/secret' },
      }),
      /--oidc-client-secret-file: cannot read \/nonexistent\/secret/,
    );
  });
});

describe('OIDC settings', () => {
  it('requires https for an issuer that is not on loopback', () => {
    assert.throws(() => issuerUrl('http://idp.example.test'), /must use https/);
    assert.throws(() => issuerUrl('not a url'), /is not a URL/);
    assert.equal(issuerUrl('http://127.0.0.1:8080').host, '127.0.0.1:8080');
    assert.equal(issuerUrl('https://idp.example.test/realms/x').pathname, '/realms/x');
  });
});
