// Server-side dry run (?dryRun=All): full admission, the would-be result, nothing stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertStatus,
  base,
  causeFields,
  clusterDeployment,
  clusterTemplate,
  pick,
  startTestServer,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;

async function assertEmpty(s: TestServer): Promise<void> {
  const list = await s.call('GET', `${base}/clusterdeployments`);
  assert.deepEqual(pick(list.json<unknown>(), 'items'), []);
}

describe('server-side dry run', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.store.create(clusterTemplate('k3s-small', 'default', ['other']));
    await s.store.create(clusterTemplate('other'));
    await s.store.create(clusterTemplate('k3s-large'));
  });
  after(() => s.close());

  it('runs admission and returns the would-be object without storing it', async () => {
    const created = await s.call('POST', `${cds}?dryRun=All`, clusterDeployment('ghost'));
    assert.equal(created.statusCode, 201);
    assert.equal(pick(created.json<unknown>(), 'metadata.name'), 'ghost');
    await assertEmpty(s);
    const invalid = await s.call(
      'POST',
      `${cds}?dryRun=All`,
      clusterDeployment('ghost', 'default', { nope: 1 }),
    );
    assert.deepEqual(causeFields(assertStatus(invalid, 422, 'Invalid')), ['spec.nope']);
  });

  it('does not update, patch or delete, but still checks conflicts', async () => {
    const real = (await s.call('POST', cds, clusterDeployment('real'))).json<unknown>();
    const rv = String(pick(real, 'metadata.resourceVersion'));
    const before = (await s.call('GET', `${base}/clusterdeployments`)).json<unknown>();

    const put = await s.call(
      'PUT',
      `${cds}/real?dryRun=All`,
      clusterDeployment('real', 'default', { template: 'other' }),
    );
    assert.equal(put.statusCode, 200);
    assert.equal(pick(put.json<unknown>(), 'spec.template'), 'other');
    // A dry run checks the upgrade path as a real write would.
    const offChain = await s.call(
      'PUT',
      `${cds}/real?dryRun=All`,
      clusterDeployment('real', 'default', { template: 'k3s-large' }),
    );
    assert.deepEqual(causeFields(assertStatus(offChain, 422, 'Invalid')), ['spec.template']);
    const patch = await s.call(
      'PATCH',
      `${cds}/real?dryRun=All`,
      { spec: { paused: true } },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(pick(patch.json<unknown>(), 'spec.paused'), true);
    const del = await s.call('DELETE', `${cds}/real?dryRun=All`);
    assert.equal(del.statusCode, 200);
    const delBody = await s.call('DELETE', `${cds}/real`, {
      kind: 'DeleteOptions',
      dryRun: ['All'],
    });
    assert.equal(delBody.statusCode, 200);

    await s.call(
      'PATCH',
      `${cds}/real`,
      { metadata: { labels: { touched: 'yes' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    const stale = await s.call('PUT', `${cds}/real?dryRun=All`, {
      ...clusterDeployment('real'),
      metadata: { name: 'real', resourceVersion: rv },
    });
    assertStatus(stale, 409, 'Conflict');

    const afterList = (await s.call('GET', `${base}/clusterdeployments`)).json<unknown>();
    assert.equal(
      (pick(afterList, 'items') as unknown[]).length,
      (pick(before, 'items') as unknown[]).length,
    );
    const stored = (await s.call('GET', `${cds}/real`)).json<unknown>();
    assert.equal(pick(stored, 'spec.template'), 'k3s-small');
    assert.equal(pick(stored, 'spec.paused'), undefined);
  });
});
