import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemNamespace, type AnyResource } from '../api/index.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import { SessionStore, sessionKey, sessionLabel } from './sessions.ts';
import { openTestStore, testClock, type TestStore } from './test-support.ts';

const ann = { username: 'ann', groups: ['system:authenticated', 'physics'] };

describe('sessions', () => {
  let t: TestStore;
  const clock = testClock();
  let sessions: SessionStore;
  before(async () => {
    t = await openTestStore();
    sessions = new SessionStore({ store: t.store, now: clock.read, ttlMs: 60_000 });
  });
  after(() => t.close());

  it('stores the hash of the id, never the id', async () => {
    const session = await sessions.create(ann);
    assert.match(session.id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.key, sessionKey(session.id));
    assert.match(session.key, /^session-[0-9a-f]{40}$/);
    const secret = await t.store.get<Secret & AnyResource>('Secret', SystemNamespace, session.key);
    assert.equal(secret.type, SecretTypes.Session);
    assert.equal(secret.metadata.labels?.[sessionLabel], 'true');
    const text =
      JSON.stringify(secret) + Buffer.from(secret.data?.['session'] ?? '', 'base64').toString();
    assert.ok(!text.includes(session.id));
    assert.ok(text.includes(session.csrfToken), 'the CSRF token is kept to check requests');
    const found = await sessions.get(session.id);
    assert.equal(found?.username, 'ann');
    assert.deepEqual(found?.groups, ann.groups);
    assert.equal(found?.csrfToken, session.csrfToken);
  });

  it('rotates: a new id at each login, the previous session deleted', async () => {
    const first = await sessions.create(ann);
    const second = await sessions.create(ann, { previousId: first.id });
    assert.notEqual(first.id, second.id);
    assert.notEqual(first.csrfToken, second.csrfToken);
    assert.equal(await sessions.get(first.id), undefined);
    assert.ok(await sessions.get(second.id));
  });

  it('logs out at once, cache or not', async () => {
    const session = await sessions.create(ann);
    assert.ok(await sessions.get(session.id));
    await sessions.delete(session.id);
    assert.equal(await sessions.get(session.id), undefined);
    await sessions.delete(session.id); // twice is fine
  });

  it('expires absolutely, and the sweep deletes expired sessions', async () => {
    const session = await sessions.create(ann);
    clock.now += 59_000;
    assert.ok(await sessions.get(session.id));
    const other = await sessions.create({ username: 'bob', groups: [] });
    clock.now += 1_000;
    assert.equal(await sessions.get(session.id), undefined, 'expired, though just used');
    await assert.rejects(t.store.get('Secret', SystemNamespace, session.key), /not found/);
    const stale = await sessions.create(ann);
    clock.now += 60_000;
    assert.ok((await sessions.sweep()) >= 2);
    for (const s of [other, stale])
      await assert.rejects(t.store.get('Secret', SystemNamespace, s.key), /not found/);
  });

  it('ends all sessions of a user but the one kept', async () => {
    const a = await sessions.create(ann);
    const b = await sessions.create(ann);
    const c = await sessions.create({ username: 'carol', groups: [] });
    assert.equal(await sessions.deleteUserSessions('ann', { except: b.key }), 1);
    assert.equal(await sessions.get(a.id), undefined);
    assert.ok(await sessions.get(b.id));
    assert.ok(await sessions.get(c.id));
  });

  it('answers undefined for malformed and unknown ids', async () => {
    for (const id of ['', 'x', '../../etc', 'A'.repeat(43), 'é'.repeat(43)])
      assert.equal(await sessions.get(id), undefined, id);
  });

  it('sees a session deleted elsewhere once the short cache lapses', async () => {
    const session = await sessions.create(ann);
    await t.store.delete('Secret', SystemNamespace, session.key);
    clock.now += 5_000;
    assert.equal(await sessions.get(session.id), undefined);
  });
});
