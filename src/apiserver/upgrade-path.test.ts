// Upgrades over HTTP: switching a ClusterDeployment's template is admitted only along
// the template chain, whichever way the switch is written (PUT, either PATCH, dry run),
// and a refused switch stores nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemNamespace } from '../api/index.ts';
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

const cds = `${base}/namespaces/team-a/clusterdeployments`;
const mergePatch = { 'content-type': 'application/merge-patch+json' };
const jsonPatch = { 'content-type': 'application/json-patch+json' };

describe('upgrade path at admission', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.store.create(clusterTemplate('v1', SystemNamespace, ['v2']));
    await s.store.create(clusterTemplate('v2', SystemNamespace, ['v3']));
    await s.store.create(clusterTemplate('v3', SystemNamespace));
    // A project template of the same name wins over the global one.
    await s.store.create(clusterTemplate('v3', 'team-a', ['v4']));
    await s.store.create(clusterTemplate('v4', 'team-a'));
    for (const name of ['c1', 'c2', 'c3']) {
      const res = await s.call('POST', cds, clusterDeployment(name, 'team-a', { template: 'v1' }));
      assert.equal(res.statusCode, 201);
    }
  });
  after(() => s.close());

  async function templateOf(name: string): Promise<unknown> {
    return pick((await s.call('GET', `${cds}/${name}`)).json<unknown>(), 'spec.template');
  }

  function assertOffChain(res: Parameters<typeof assertStatus>[0], message: string): void {
    const status = assertStatus(res, 422, 'Invalid');
    assert.deepEqual(causeFields(status), ['spec.template']);
    assert.equal(pick(status, 'details.causes.0.message'), message);
  }

  const skipMessage = 'template "v3" is not an upgrade target of "v1" (allowed: v2)';

  it('refuses an off-chain switch by PUT, merge patch, JSON patch and dry run', async () => {
    const body = clusterDeployment('c1', 'team-a', { template: 'v3' });
    assertOffChain(await s.call('PUT', `${cds}/c1`, body), skipMessage);
    assertOffChain(await s.call('PUT', `${cds}/c1?dryRun=All`, body), skipMessage);
    assertOffChain(
      await s.call('PATCH', `${cds}/c1`, { spec: { template: 'v3' } }, mergePatch),
      skipMessage,
    );
    assertOffChain(
      await s.call(
        'PATCH',
        `${cds}/c1?dryRun=All`,
        [{ op: 'replace', path: '/spec/template', value: 'v3' }],
        jsonPatch,
      ),
      skipMessage,
    );
    assert.equal(await templateOf('c1'), 'v1');
  });

  it('admits a switch to an upgrade target, one step at a time', async () => {
    const dry = await s.call('PUT', `${cds}/c1?dryRun=All`, {
      ...clusterDeployment('c1', 'team-a', { template: 'v2' }),
    });
    assert.equal(dry.statusCode, 200);
    assert.equal(await templateOf('c1'), 'v1', 'a dry run stores nothing');

    const patched = await s.call('PATCH', `${cds}/c1`, { spec: { template: 'v2' } }, mergePatch);
    assert.equal(patched.statusCode, 200);
    // From v2 the chain goes on to v3: the project's own v3, which leads to v4.
    const put = await s.call(
      'PUT',
      `${cds}/c1`,
      clusterDeployment('c1', 'team-a', { template: 'v3' }),
    );
    assert.equal(put.statusCode, 200);
    const next = await s.call(
      'PATCH',
      `${cds}/c1`,
      [{ op: 'replace', path: '/spec/template', value: 'v4' }],
      jsonPatch,
    );
    assert.equal(next.statusCode, 200);
    assert.equal(await templateOf('c1'), 'v4');
  });

  it('refuses a template that does not exist', async () => {
    assertOffChain(
      await s.call('PATCH', `${cds}/c2`, { spec: { template: 'v9' } }, mergePatch),
      'template "v9" not found in namespace "team-a" or "slipway-system"',
    );
  });

  it('refuses a switch it cannot check because the current template is gone', async () => {
    await s.store.create(clusterTemplate('old', 'team-a', ['v2']));
    const res = await s.call('POST', cds, clusterDeployment('c4', 'team-a', { template: 'old' }));
    assert.equal(res.statusCode, 201);
    await s.store.delete('ClusterTemplate', 'team-a', 'old');
    assertOffChain(
      await s.call('PATCH', `${cds}/c4`, { spec: { template: 'v2' } }, mergePatch),
      'the upgrade path cannot be checked: the current template "old" was not found in namespace "team-a" or "slipway-system"',
    );
    // Anything but the template may still change.
    const scaled = await s.call(
      'PATCH',
      `${cds}/c4`,
      { spec: { config: { workersNumber: 4 } } },
      mergePatch,
    );
    assert.equal(scaled.statusCode, 200);
  });

  it('does not judge the status subresource', async () => {
    const current = (await s.call('GET', `${cds}/c3`)).json<Record<string, unknown>>();
    const res = await s.call('PUT', `${cds}/c3/status`, {
      ...current,
      spec: { template: 'v9', credential: 'lab' },
      status: { phase: 'Provisioning' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(await templateOf('c3'), 'v1');
  });
});
