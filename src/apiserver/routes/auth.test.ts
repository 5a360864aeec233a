// The login API over real HTTP semantics (app.inject) on a real store: login, session
// rotation, logout, expiry, CSRF, rate limits, disabled users, password changes, and
// that no credential ever reaches the log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiVersion, SystemNamespace, type AnyResource } from '../../api/index.ts';
import type { User } from '../../api/kinds/user.ts';
import { sessionKey } from '../../identity/sessions.ts';
import { passwordSecretName } from '../../identity/users.ts';
import { sessionCookieName } from '../authn.ts';
import {
  adminBearer,
  sessionCookieOf,
  sessionTtlMs,
  startIdentityServer,
  type IdentityServer,
} from '../identity-test-support.ts';
import { assertStatus, pick } from '../test-support.ts';

const annPassword = 'ann has a long password';
const project = (name: string, user: string) => ({
  apiVersion: ApiVersion,
  kind: 'Project',
  metadata: { name },
  spec: { members: [{ user, role: 'member' }] },
});

describe('auth routes', () => {
  let s: IdentityServer;
  before(async () => {
    s = await startIdentityServer();
    await s.addUser('ann', annPassword, { groups: ['physics'] });
    await s.addUser('root', 'root has a long password', { admin: true });
  });
  after(() => s.close());

  it('says which logins exist, without credentials', async () => {
    const res = await s.request('GET', '/auth/config');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { password: true, oidc: { enabled: false } });
  });

  it('logs in: a hardened session cookie, the user, a CSRF token', async () => {
    const { response, csrfToken } = await s.login('ann', annPassword);
    const cookie = sessionCookieOf(response);
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(new Date(String(cookie.expires)).getTime(), s.clock.now + sessionTtlMs);
    const body = response.json<Record<string, unknown>>();
    assert.deepEqual(pick(body, 'user.username'), 'ann');
    assert.equal(pick(body, 'user.admin'), false);
    assert.deepEqual([...(pick(body, 'user.groups') as string[])].sort(), [
      'physics',
      'system:authenticated',
    ]);
    assert.equal(body['expiresAt'], new Date(s.clock.now + sessionTtlMs).toISOString());
    assert.match(csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const user = await s.store.get<User & AnyResource>('User', undefined, 'ann');
    assert.equal(user.status?.lastLoginTime, new Date(s.clock.now).toISOString());
  });

  it('answers the same 401 for an unknown user and a wrong password', async () => {
    const wrong = await s.request('POST', '/auth/login', {
      body: { username: 'ann', password: 'not the password' },
    });
    const unknown = await s.request('POST', '/auth/login', {
      body: { username: 'nobody', password: 'not the password' },
    });
    assertStatus(wrong, 401, 'Unauthorized');
    assertStatus(unknown, 401, 'Unauthorized');
    assert.equal(pick(wrong.json(), 'message'), 'invalid username or password');
    assert.deepEqual(wrong.json(), unknown.json());
    assert.equal(sessionCookieOf(wrong), undefined);
  });

  it('wants JSON with both fields', async () => {
    const form = await s.request('POST', '/auth/login', {
      body: 'username=ann&password=x',
      headers: { 'content-type': 'text/plain' },
    });
    assertStatus(form, 415, 'UnsupportedMediaType');
    const missing = await s.request('POST', '/auth/login', { body: { username: 'ann' } });
    const status = assertStatus(missing, 400, 'BadRequest');
    assert.deepEqual(pick(status, 'details.causes'), [
      { field: 'password', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  });

  it('whoami: the user, their projects, the CSRF token for session callers only', async () => {
    await s.request('POST', `/apis/${ApiVersion}/projects`, {
      body: project('optics', 'ann'),
      headers: { authorization: `Bearer ${adminBearer}` },
    });
    const browser = await s.login('ann', annPassword);
    let me: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      const res = await s.request('GET', '/auth/whoami', { headers: { cookie: browser.cookie } });
      assert.equal(res.statusCode, 200);
      me = res.json();
      if ((me['projects'] as unknown[]).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(me['username'], 'ann');
    assert.equal(me['admin'], false);
    assert.deepEqual(me['projects'], [{ name: 'optics', role: 'member' }]);
    assert.equal(me['csrfToken'], browser.csrfToken);
    const bearer = await s.request('GET', '/auth/whoami', {
      headers: { authorization: `Bearer ${adminBearer}` },
    });
    assert.equal(pick(bearer.json(), 'username'), 'admin');
    assert.equal(pick(bearer.json(), 'admin'), true);
    assert.equal(pick(bearer.json(), 'csrfToken'), undefined);
    assertStatus(await s.request('GET', '/auth/whoami'), 401, 'Unauthorized');
  });

  it('rotates the session id at login; the old id stops working', async () => {
    const first = await s.login('ann', annPassword);
    const again = await s.request('POST', '/auth/login', {
      body: { username: 'ann', password: annPassword },
      headers: { cookie: first.cookie },
    });
    assert.equal(again.statusCode, 200);
    const second = sessionCookieOf(again)?.value;
    assert.ok(second);
    assert.notEqual(second, first.sessionId);
    const old = await s.request('GET', '/auth/whoami', { headers: { cookie: first.cookie } });
    assertStatus(old, 401, 'Unauthorized');
    await assert.rejects(
      s.store.get('Secret', SystemNamespace, sessionKey(first.sessionId)),
      /not found/,
    );
    const now = await s.request('GET', '/auth/whoami', {
      headers: { cookie: `${sessionCookieName}=${second}` },
    });
    assert.equal(now.statusCode, 200);
  });

  it('logs out (with the CSRF token): 204, cookie cleared, session gone', async () => {
    const browser = await s.login('ann', annPassword);
    const noToken = await s.request('POST', '/auth/logout', {
      headers: { cookie: browser.cookie },
    });
    assertStatus(noToken, 403, 'Forbidden');
    assert.equal(pick(noToken.json(), 'message'), 'CSRF token missing or invalid');
    const out = await s.request('POST', '/auth/logout', {
      headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrfToken },
    });
    assert.equal(out.statusCode, 204);
    const cleared = sessionCookieOf(out);
    assert.equal(cleared?.value, '');
    assert.equal(cleared?.maxAge, 0);
    const after = await s.request('GET', '/auth/whoami', { headers: { cookie: browser.cookie } });
    assertStatus(after, 401, 'Unauthorized');
  });

  it('expires sessions after their absolute lifetime', async () => {
    const browser = await s.login('ann', annPassword);
    s.clock.now += sessionTtlMs - 1000;
    const late = await s.request('GET', '/auth/whoami', { headers: { cookie: browser.cookie } });
    assert.equal(late.statusCode, 200);
    s.clock.now += 1000;
    const expired = await s.request('GET', '/auth/whoami', { headers: { cookie: browser.cookie } });
    assertStatus(expired, 401, 'Unauthorized');
  });

  it('checks CSRF on cookie writes only: missing, wrong, right, bearer', async () => {
    const browser = await s.login('root', 'root has a long password');
    const url = `/apis/${ApiVersion}/namespaces/default/secrets`;
    const secret = (name: string) => ({
      apiVersion: ApiVersion,
      kind: 'Secret',
      metadata: { name },
      stringData: { a: 'b' },
    });
    const missing = await s.request('POST', url, {
      body: secret('one'),
      headers: { cookie: browser.cookie },
    });
    assertStatus(missing, 403, 'Forbidden');
    assert.equal(pick(missing.json(), 'message'), 'CSRF token missing or invalid');
    const wrong = await s.request('POST', url, {
      body: secret('one'),
      headers: { cookie: browser.cookie, 'x-csrf-token': `${browser.csrfToken.slice(1)}x` },
    });
    assertStatus(wrong, 403, 'Forbidden');
    await assert.rejects(s.store.get('Secret', 'default', 'one'), /not found/);
    const right = await s.request('POST', url, {
      body: secret('one'),
      headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrfToken },
    });
    assert.equal(right.statusCode, 201);
    const read = await s.request('GET', url, { headers: { cookie: browser.cookie } });
    assert.equal(read.statusCode, 200, 'reads need no CSRF token');
    const bearer = await s.request('POST', url, {
      body: secret('two'),
      headers: { authorization: `Bearer ${adminBearer}`, cookie: browser.cookie },
    });
    assert.equal(bearer.statusCode, 201, 'bearer callers need no CSRF token');
  });

  it('refuses a disabled user at login and ends their live sessions', async () => {
    await s.addUser('dan', 'dan has a long password');
    const browser = await s.login('dan', 'dan has a long password');
    const dan = await s.store.get<User & AnyResource>('User', undefined, 'dan');
    await s.store.update({ ...dan, spec: { ...dan.spec, disabled: true } });
    const after = await s.request('GET', '/auth/whoami', { headers: { cookie: browser.cookie } });
    assertStatus(after, 401, 'Unauthorized');
    const login = await s.request('POST', '/auth/login', {
      body: { username: 'dan', password: 'dan has a long password' },
    });
    assertStatus(login, 401, 'Unauthorized');
    assert.equal(pick(login.json(), 'message'), 'invalid username or password');
  });

  it('refuses a session of a deleted User, even once the name is taken again', async () => {
    await s.addUser('fay', 'fay has a long password');
    const browser = await s.login('fay', 'fay has a long password');
    const session = await s.store.get('Secret', SystemNamespace, sessionKey(browser.sessionId));
    assert.equal(session.metadata.ownerReferences?.[0]?.name, 'fay', 'deleted with the User');
    await s.store.delete('User', undefined, 'fay');
    await s.addUser('fay', 'another fay, same name');
    const res = await s.request('GET', '/auth/whoami', { headers: { cookie: browser.cookie } });
    assertStatus(res, 401, 'Unauthorized');
  });

  it('changes passwords: own with the current one, anyone as admin', async () => {
    await s.addUser('eve', 'eve has a long password');
    const eve = await s.login('eve', 'eve has a long password');
    const elsewhere = await s.login('eve', 'eve has a long password');
    const url = `/apis/${ApiVersion}/users/eve/password`;
    const asEve = { cookie: eve.cookie, 'x-csrf-token': eve.csrfToken };
    const wrongCurrent = await s.request('PUT', url, {
      body: { password: 'eve has a new password', currentPassword: 'not it at all' },
      headers: asEve,
    });
    const status = assertStatus(wrongCurrent, 422, 'Invalid');
    assert.equal(pick(status, 'details.causes.0.field'), 'currentPassword');
    const short = await s.request('PUT', url, {
      body: { password: 'short', currentPassword: 'eve has a long password' },
      headers: asEve,
    });
    assert.equal(pick(assertStatus(short, 422, 'Invalid'), 'details.causes.0.field'), 'password');
    const missing = await s.request('PUT', url, {
      body: { password: 'eve has a new password' },
      headers: asEve,
    });
    assertStatus(missing, 400, 'BadRequest');
    const noCsrf = await s.request('PUT', url, {
      body: { password: 'eve has a new password', currentPassword: 'eve has a long password' },
      headers: { cookie: eve.cookie },
    });
    assertStatus(noCsrf, 403, 'Forbidden');
    const ok = await s.request('PUT', url, {
      body: { password: 'eve has a new password', currentPassword: 'eve has a long password' },
      headers: asEve,
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(pick(ok.json(), 'status'), 'Success');
    const still = await s.request('GET', '/auth/whoami', { headers: { cookie: eve.cookie } });
    assert.equal(still.statusCode, 200, 'the session that changed it stays');
    const other = await s.request('GET', '/auth/whoami', { headers: { cookie: elsewhere.cookie } });
    assertStatus(other, 401, 'Unauthorized');
    await s.login('eve', 'eve has a new password');

    const forAnn = await s.request('PUT', `/apis/${ApiVersion}/users/ann/password`, {
      body: { password: 'eve sets ann password', currentPassword: 'eve has a new password' },
      headers: asEve,
    });
    assertStatus(forAnn, 403, 'Forbidden');

    const byAdmin = await s.request('PUT', url, {
      body: { password: 'admin reset this one' },
      headers: { authorization: `Bearer ${adminBearer}` },
    });
    assert.equal(byAdmin.statusCode, 200);
    await s.login('eve', 'admin reset this one');
    const nobody = await s.request('PUT', `/apis/${ApiVersion}/users/nobody/password`, {
      body: { password: 'admin reset this one' },
      headers: { authorization: `Bearer ${adminBearer}` },
    });
    assertStatus(nobody, 404, 'NotFound');
  });

  it('serves no internal Secret: password hashes and sessions stay out of the API', async () => {
    const res = await s.request(
      'GET',
      `/apis/${ApiVersion}/namespaces/${SystemNamespace}/secrets`,
      {
        headers: { authorization: `Bearer ${adminBearer}` },
      },
    );
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json<{ items: unknown[] }>().items, []);
    const hash = await s.request(
      'GET',
      `/apis/${ApiVersion}/namespaces/${SystemNamespace}/secrets/${passwordSecretName('ann')}`,
      { headers: { authorization: `Bearer ${adminBearer}` } },
    );
    assertStatus(hash, 404, 'NotFound');
  });
});

describe('login rate limits', () => {
  let s: IdentityServer;
  before(async () => {
    s = await startIdentityServer({ limits: { perUser: 3, perAddress: 5, windowMs: 60_000 } });
    await s.addUser('ann', annPassword);
  });
  after(() => s.close());

  const attempt = (username: string, password: string, remoteAddress: string) =>
    s.request('POST', '/auth/login', { body: { username, password }, remoteAddress });

  it('limits failures per user name, from any address, with Retry-After', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await attempt('ann', 'wrong password!', `127.0.0.${10 + i}`)).statusCode, 401);
    const limited = await attempt('ann', annPassword, '127.0.0.20');
    assertStatus(limited, 429, 'TooManyRequests');
    assert.equal(limited.headers['retry-after'], '60');
    s.clock.now += 30_000;
    assert.equal((await attempt('ann', annPassword, '127.0.0.20')).headers['retry-after'], '30');
    s.clock.now += 30_000;
    assert.equal((await attempt('ann', annPassword, '127.0.0.20')).statusCode, 200);
  });

  it('counts parallel guesses while they run: a burst gets no more tries than the limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt('ann', `wrong guess ${i}!`, `127.0.1.${i}`)),
    );
    const codes = answers.map((res) => res.statusCode).sort();
    assert.deepEqual(codes, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    s.clock.now += 60_000;
  });

  it('limits failures per address, whatever the names', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await attempt(`guess${i}`, 'wrong password!', '127.0.0.99')).statusCode, 401);
    assertStatus(await attempt('ann', annPassword, '127.0.0.99'), 429, 'TooManyRequests');
    assert.equal((await attempt('ann', annPassword, '127.0.0.98')).statusCode, 200);
  });
});

describe('secrets in the log', () => {
  it('never logs passwords, session ids, CSRF tokens, API tokens or hashes', async () => {
    const s = await startIdentityServer();
    try {
      await s.addUser('ann', annPassword);
      await s.addUser('root', 'root has a long password', { admin: true });
      const failed = await s.request('POST', '/auth/login', {
        body: { username: 'ann', password: 'a wrong guess here' },
      });
      assert.equal(failed.statusCode, 401);
      const ann = await s.login('ann', annPassword);
      const changed = await s.request('PUT', `/apis/${ApiVersion}/users/ann/password`, {
        body: { password: 'ann changed her password', currentPassword: annPassword },
        headers: { cookie: ann.cookie, 'x-csrf-token': ann.csrfToken },
      });
      assert.equal(changed.statusCode, 200);
      const created = await s.request('POST', `/apis/${ApiVersion}/apitokens`, {
        body: { apiVersion: ApiVersion, kind: 'APIToken', metadata: { name: 'ci' }, spec: {} },
        headers: { cookie: ann.cookie, 'x-csrf-token': ann.csrfToken },
      });
      assert.equal(created.statusCode, 201);
      const token = String(pick(created.json(), 'status.token'));
      const used = await s.request('GET', '/auth/whoami', {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(used.statusCode, 200);
      const hashSecret = await s.store.get<AnyResource & { data?: Record<string, string> }>(
        'Secret',
        SystemNamespace,
        passwordSecretName('ann'),
      );
      const log = s.log();
      assert.ok(log.includes('/auth/login'), 'requests are logged');
      for (const secret of [
        annPassword,
        'a wrong guess here',
        'ann changed her password',
        ann.sessionId,
        ann.csrfToken,
        token,
        token.slice(13),
        String(hashSecret.data?.['hash']),
        Buffer.from(String(hashSecret.data?.['hash']), 'base64').toString('utf8'),
      ]) {
        assert.ok(secret.length >= 12);
        const at = log.indexOf(secret);
        assert.ok(at === -1, `the log holds a secret: ${log.slice(Math.max(0, at - 200), at)}`);
      }
    } finally {
      await s.close();
    }
  });
});
