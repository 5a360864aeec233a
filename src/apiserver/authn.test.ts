import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  AdminGroup,
  bearerToken,
  bearerTokenAuthenticator,
  ensureAdminToken,
  firstAuthenticator,
  sessionIdOf,
} from './authn.ts';
import { csrfTokenMatches } from './csrf.ts';
import { adminAuthorizer } from './authz.ts';

const req = (authorization?: string) => ({
  headers: authorization === undefined ? {} : { authorization },
});

describe('bearer token authentication', () => {
  const authenticate = bearerTokenAuthenticator('s3cret-token');

  it('accepts exactly the admin token', async () => {
    const user = await authenticate(req('Bearer s3cret-token'));
    assert.equal(user?.username, 'admin');
    assert.ok(user?.groups.includes(AdminGroup));
    assert.ok(await authenticate(req('bearer s3cret-token')), 'the scheme is case-insensitive');
  });

  it('rejects missing, wrong, longer, shorter and non-bearer credentials', async () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer wrong',
      'Bearer s3cret-token2',
      'Bearer s3cret',
      'Basic s3cret-token',
      'Bearer s3cret-token extra',
    ]) {
      assert.equal(await authenticate(req(header)), undefined, String(header));
    }
  });

  it('parses the header strictly', () => {
    assert.equal(bearerToken(req('Bearer abc')), 'abc');
    assert.equal(bearerToken(req('Bearer  abc ')), 'abc');
    assert.equal(bearerToken({ headers: { authorization: ['Bearer a', 'Bearer b'] } }), undefined);
  });

  it('refuses an empty admin token', () => {
    assert.throws(() => bearerTokenAuthenticator(''));
  });

  it('combines authenticators, first match wins', async () => {
    const other = firstAuthenticator(
      () => Promise.resolve(undefined),
      (r) =>
        Promise.resolve(
          r.headers['x-user'] === 'bob' ? { username: 'bob', groups: [] } : undefined,
        ),
      authenticate,
    );
    assert.equal((await other({ headers: { 'x-user': 'bob' } }))?.username, 'bob');
    assert.equal((await other(req('Bearer s3cret-token')))?.username, 'admin');
    assert.equal(await other(req()), undefined);
  });
});

describe('adminAuthorizer', () => {
  it('allows administrators and no one else', async () => {
    const attrs = { resourceRequest: false as const, verb: 'get' as const, path: '/apis' };
    assert.equal(
      (await adminAuthorizer({ username: 'a', groups: [AdminGroup] }, attrs)).allowed,
      true,
    );
    assert.equal(
      (await adminAuthorizer({ username: 'b', groups: ['system:authenticated'] }, attrs)).allowed,
      false,
    );
  });
});

describe('ensureAdminToken', () => {
  it('generates a random token once, mode 0600, and reads it afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-token-'));
    try {
      const dataDir = join(dir, 'data');
      const token = await ensureAdminToken(dataDir);
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const file = join(dataDir, 'admin.token');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await readFile(file, 'utf8')).trim(), token);
      assert.equal(await ensureAdminToken(dataDir), token);
      const other = await mkdtemp(join(tmpdir(), 'slipway-token-'));
      assert.notEqual(await ensureAdminToken(other), token);
      await rm(other, { recursive: true });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('tightens a token file that others can read, and refuses an empty one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-token-'));
    try {
      const file = join(dir, 'admin.token');
      await writeFile(file, 'kept-token\n');
      await chmod(file, 0o644);
      assert.equal(await ensureAdminToken(dir), 'kept-token');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      await writeFile(file, '\n');
      await assert.rejects(ensureAdminToken(dir), /empty/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('gives concurrent first starts the same token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-token-'));
    try {
      const tokens = await Promise.all([1, 2, 3, 4].map(() => ensureAdminToken(dir)));
      assert.equal(new Set(tokens).size, 1);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('session cookie', () => {
  const cookie = (value: string) => ({ headers: { cookie: value } });

  it('finds the session id among other cookies', () => {
    assert.equal(sessionIdOf(cookie('slipway_session=abc')), 'abc');
    assert.equal(sessionIdOf(cookie('theme=dark; slipway_session=abc-_1; lang=en')), 'abc-_1');
    assert.equal(sessionIdOf(cookie('theme=dark;slipway_session=abc')), 'abc');
  });

  it('finds nothing in other cookies, empty values or no header', () => {
    for (const value of [
      '',
      'theme=dark',
      'slipway_session=',
      'xslipway_session=abc',
      'slipway_session',
    ])
      assert.equal(sessionIdOf(cookie(value)), undefined, value);
    assert.equal(sessionIdOf({ headers: {} }), undefined);
  });
});

describe('CSRF token comparison', () => {
  it('matches exactly the session token', () => {
    assert.equal(csrfTokenMatches('token-123', 'token-123'), true);
    for (const given of ['token-124', 'token-12', 'token-1234', '', undefined, ['token-123']])
      assert.equal(csrfTokenMatches(given, 'token-123'), false, String(given));
  });
});
