// API tokens over the API: created through POST .../apitokens, shown once, stored hashed,
// refused when revoked, expired, deleted or their user disabled; lastUsedTime once a minute.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiVersion, SystemNamespace, type AnyResource } from '../api/index.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import type { User } from '../api/kinds/user.ts';
import { tokenPrefixLabel, tokenSecretName } from '../identity/api-tokens.ts';
import {
  adminBearer,
  startIdentityServer,
  type Browser,
  type IdentityServer,
} from './identity-test-support.ts';
import { assertStatus, pick } from './test-support.ts';

const tokens = `/apis/${ApiVersion}/apitokens`;
const apiToken = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: ApiVersion,
  kind: 'APIToken',
  metadata: { name },
  spec,
});

describe('API tokens', () => {
  let s: IdentityServer;
  let ann: Browser;
  const asAnn = () => ({ cookie: ann.cookie, 'x-csrf-token': ann.csrfToken });
  const asAdmin = { authorization: `Bearer ${adminBearer}` };
  const whoami = (token: string) =>
    s.request('GET', '/auth/whoami', { headers: { authorization: `Bearer ${token}` } });
  const create = async (name: string, spec: Record<string, unknown> = {}) => {
    const res = await s.request('POST', tokens, { body: apiToken(name, spec), headers: asAnn() });
    assert.equal(res.statusCode, 201, res.body);
    return { res, token: String(pick(res.json(), 'status.token')) };
  };

  before(async () => {
    s = await startIdentityServer();
    await s.addUser('ann', 'ann has a long password');
    await s.addUser('bob', 'bob has a long password');
    ann = await s.login('ann', 'ann has a long password');
  });
  after(() => s.close());

  it('shows the token once; the object and its Secret never hold it', async () => {
    const { res, token } = await create('laptop', { description: 'my laptop' });
    assert.match(token, /^slw_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    const prefix = token.slice(4, 12);
    assert.equal(pick(res.json(), 'spec.user'), 'ann', 'spec.user defaults to the caller');
    assert.equal(pick(res.json(), 'status.prefix'), prefix);
    const labels = pick(res.json(), 'metadata.labels') as Record<string, string>;
    assert.equal(labels[tokenPrefixLabel], prefix);

    const read = await s.request('GET', `${tokens}/laptop`, { headers: asAnn() });
    assert.equal(read.statusCode, 200);
    assert.equal(pick(read.json(), 'status.token'), undefined);
    assert.equal(pick(read.json(), 'status.prefix'), prefix);
    assert.ok(!read.body.includes(token.slice(13)));
    const list = await s.request('GET', tokens, { headers: asAdmin });
    assert.ok(!list.body.includes(token.slice(13)));

    const secret = await s.store.get<Secret & AnyResource>(
      'Secret',
      SystemNamespace,
      tokenSecretName('laptop'),
    );
    assert.equal(secret.type, SecretTypes.APITokenHash);
    assert.equal(secret.metadata.ownerReferences?.[0]?.name, 'laptop');
    assert.ok(!JSON.stringify(secret).includes(token.slice(13)));
    assert.equal(Buffer.from(secret.data?.['sha256'] ?? '', 'base64').length, 32);
    const served = await s.request(
      'GET',
      `/apis/${ApiVersion}/namespaces/${SystemNamespace}/secrets/${tokenSecretName('laptop')}`,
      { headers: asAdmin },
    );
    assertStatus(served, 404, 'NotFound');
  });

  it('authenticates as its user, with the user current groups', async () => {
    const { token } = await create('script');
    const res = await whoami(token);
    assert.equal(res.statusCode, 200);
    assert.equal(pick(res.json(), 'username'), 'ann');
    assert.equal(pick(res.json(), 'csrfToken'), undefined);
    const post = await s.request('POST', '/auth/logout', {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(post.statusCode, 204, 'bearer writes need no CSRF token');
    for (const wrong of [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      `slw_00000000_${token.slice(13)}`,
      token.slice(0, -1),
    ])
      assertStatus(await whoami(wrong), 401, 'Unauthorized');
  });

  it('lets non-admins create tokens only for themselves; admins for anyone', async () => {
    const forBob = await s.request('POST', tokens, {
      body: apiToken('bobs', { user: 'bob' }),
      headers: asAnn(),
    });
    assertStatus(forBob, 403, 'Forbidden');
    assert.match(String(pick(forBob.json(), 'message')), /spec\.user/);
    await assert.rejects(s.store.get('APIToken', undefined, 'bobs'), /not found/);
    const byAdmin = await s.request('POST', tokens, {
      body: apiToken('bobs', { user: 'bob' }),
      headers: asAdmin,
    });
    assert.equal(byAdmin.statusCode, 201);
    const res = await whoami(String(pick(byAdmin.json(), 'status.token')));
    assert.equal(pick(res.json(), 'username'), 'bob');
  });

  it('refuses revoked, expired and deleted tokens', async () => {
    const revoked = await create('to-revoke');
    assert.equal((await whoami(revoked.token)).statusCode, 200);
    const patched = await s.request('PATCH', `${tokens}/to-revoke`, {
      body: { spec: { revoked: true } },
      headers: { ...asAnn(), 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assertStatus(await whoami(revoked.token), 401, 'Unauthorized');

    const expiring = await create('short-lived', {
      expiresAt: new Date(s.clock.now + 60_000).toISOString(),
    });
    assert.equal((await whoami(expiring.token)).statusCode, 200);
    s.clock.now += 60_000;
    assertStatus(await whoami(expiring.token), 401, 'Unauthorized');

    const deleted = await create('to-delete');
    const res = await s.request('DELETE', `${tokens}/to-delete`, { headers: asAnn() });
    assert.equal(res.statusCode, 200);
    assertStatus(await whoami(deleted.token), 401, 'Unauthorized');
  });

  it('reads a known token by name, not by scanning every token, and notices a new one of the same name', async () => {
    const first = await create('reused');
    assert.equal((await whoami(first.token)).statusCode, 200);
    const store = s.store as { list: typeof s.store.list };
    const list = store.list;
    let tokenLists = 0;
    store.list = ((kind, options) => {
      if (kind === 'APIToken') tokenLists++;
      return list.call(s.store, kind, options);
    }) as typeof list;
    try {
      assert.equal((await whoami(first.token)).statusCode, 200);
      assert.equal(tokenLists, 0, 'a token already verified is read by name');

      // Deleted and created again under the same name: the old token is another token.
      assert.equal(
        (await s.request('DELETE', `${tokens}/reused`, { headers: asAnn() })).statusCode,
        200,
      );
      const second = await create('reused');
      assertStatus(await whoami(first.token), 401, 'Unauthorized');
      assert.equal((await whoami(second.token)).statusCode, 200);
    } finally {
      store.list = list;
    }
  });

  it('refuses the token of a disabled user', async () => {
    const byAdmin = await s.request('POST', tokens, {
      body: apiToken('bob-ci', { user: 'bob' }),
      headers: asAdmin,
    });
    const token = String(pick(byAdmin.json(), 'status.token'));
    assert.equal((await whoami(token)).statusCode, 200);
    const bob = await s.store.get<User & AnyResource>('User', undefined, 'bob');
    await s.store.update({ ...bob, spec: { ...bob.spec, disabled: true } });
    assertStatus(await whoami(token), 401, 'Unauthorized');
  });

  it('is owned by its User, and refused once the name belongs to a new User', async () => {
    await s.addUser('gus', 'gus has a long password');
    const res = await s.request('POST', tokens, {
      body: apiToken('gus-ci', { user: 'gus' }),
      headers: asAdmin,
    });
    const token = String(pick(res.json(), 'status.token'));
    const gus = await s.store.get('User', undefined, 'gus');
    assert.deepEqual(pick(res.json(), 'metadata.ownerReferences'), [
      { apiVersion: ApiVersion, kind: 'User', name: 'gus', uid: gus.metadata.uid },
    ]);
    assert.equal((await whoami(token)).statusCode, 200);
    await s.store.delete('User', undefined, 'gus');
    await s.addUser('gus', 'a new gus, same name');
    assertStatus(await whoami(token), 401, 'Unauthorized');
  });

  it('notes lastUsedTime at most once a minute', async () => {
    const { token } = await create('busy');
    const lastUsed = async () =>
      pick((await s.store.get('APIToken', undefined, 'busy')).status, 'lastUsedTime');
    const first = new Date(s.clock.now).toISOString();
    await whoami(token);
    assert.equal(await lastUsed(), first);
    s.clock.now += 30_000;
    await whoami(token);
    assert.equal(await lastUsed(), first, 'not again within the minute');
    s.clock.now += 30_000;
    await whoami(token);
    assert.equal(await lastUsed(), new Date(s.clock.now).toISOString());
  });

  it('issues no token on a dry run, and stores nothing', async () => {
    const res = await s.request('POST', `${tokens}?dryRun=All`, {
      body: apiToken('dry'),
      headers: asAnn(),
    });
    assert.equal(res.statusCode, 201);
    assert.equal(pick(res.json(), 'status.token'), undefined);
    await assert.rejects(s.store.get('APIToken', undefined, 'dry'), /not found/);
    await assert.rejects(
      s.store.get('Secret', SystemNamespace, tokenSecretName('dry')),
      /not found/,
    );
  });

  it('names the field when the body is invalid, and issues nothing', async () => {
    const res = await s.request('POST', tokens, {
      body: apiToken('bad', { expiresAt: 'tomorrow' }),
      headers: asAnn(),
    });
    assertStatus(res, 422, 'Invalid');
    assert.match(String(pick(res.json(), 'message')), /spec\.expiresAt/);
    await assert.rejects(
      s.store.get('Secret', SystemNamespace, tokenSecretName('bad')),
      /not found/,
    );
  });
});
