// An update without a resourceVersion means "whatever is there now": admission must
// judge the object the store really replaces, even when it changed after the server
// read it (as Kubernetes' GuaranteedUpdate does).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnyResource } from '../api/index.ts';
import {
  assertStatus,
  base,
  causeFields,
  overrideStore,
  pick,
  startTestServer,
  type TestServer,
} from './test-support.ts';

const secrets = `${base}/namespaces/default/secrets`;

describe('updates racing other writers', () => {
  let s: TestServer;
  /** Runs once, right after the server's next read of an object. */
  let afterNextGet: (() => Promise<void>) | undefined;
  before(async () => {
    s = await startTestServer({
      wrapStore: (store) =>
        overrideStore(store, {
          async get<T extends AnyResource>(kind: string, ns: string | undefined, name: string) {
            const found = await store.get<T>(kind, ns, name);
            const hook = afterNextGet;
            afterNextGet = undefined;
            await hook?.();
            return found;
          },
        }),
    });
  });
  after(() => s.close());

  it('a PUT without resourceVersion is admitted against the object it replaces', async () => {
    const created = await s.call('POST', secrets, {
      metadata: { name: 'frozen' },
      stringData: { a: 'b' },
    });
    assert.equal(created.statusCode, 201);
    // Someone makes the Secret immutable between the server's read and its write.
    afterNextGet = async () => {
      const current = await s.store.get('Secret', 'default', 'frozen');
      await s.store.update({ ...current, immutable: true });
    };
    const res = await s.call('PUT', `${secrets}/frozen`, {
      metadata: { name: 'frozen' },
      stringData: { a: 'changed' },
    });
    assert.deepEqual(causeFields(assertStatus(res, 422, 'Invalid')), ['immutable', 'data']);
    const stored = await s.store.get('Secret', 'default', 'frozen');
    assert.equal(pick(stored, 'data.a'), Buffer.from('b').toString('base64'));
  });

  it('a PUT with a resourceVersion still fails with Conflict when it is stale', async () => {
    const created = await s.call('POST', secrets, {
      metadata: { name: 'pinned' },
      stringData: { a: 'b' },
    });
    const rv = String(pick(created.json<unknown>(), 'metadata.resourceVersion'));
    afterNextGet = async () => {
      const current = await s.store.get('Secret', 'default', 'pinned');
      await s.store.update({ ...current, metadata: { ...current.metadata, labels: { x: 'y' } } });
    };
    const res = await s.call('PUT', `${secrets}/pinned`, {
      metadata: { name: 'pinned', resourceVersion: rv },
      stringData: { a: 'changed' },
    });
    assertStatus(res, 409, 'Conflict');
  });
});
