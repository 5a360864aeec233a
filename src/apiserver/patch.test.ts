// PATCH: merge and JSON patches applied to the stored object, then admission;
// resourceVersion in a patch, races between patches, and unsupported patch types.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  base,
  clusterDeployment,
  clusterTemplate,
  pick,
  startTestServer,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;
const mergePatch = { 'content-type': 'application/merge-patch+json' };
const jsonPatch = { 'content-type': 'application/json-patch+json' };

interface Body {
  metadata: { resourceVersion: string };
  spec?: Record<string, unknown>;
}

describe('PATCH', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    // The JSON patch below upgrades the cluster: admission checks the template chain.
    await s.store.create(clusterTemplate('k3s-small', 'default', ['k3s-large']));
    await s.store.create(clusterTemplate('k3s-large'));
    assert.equal((await s.call('POST', cds, clusterDeployment('beta'))).statusCode, 201);
  });
  after(() => s.close());

  it('applies merge patches and JSON patches, then admission', async () => {
    const merged = await s.call(
      'PATCH',
      `${cds}/beta`,
      { metadata: { labels: { env: 'prod' } }, spec: { config: { workersNumber: 7 } } },
      mergePatch,
    );
    assert.equal(merged.statusCode, 200);
    assert.equal(pick(merged.json<unknown>(), 'spec.config.workersNumber'), 7);

    const patched = await s.call(
      'PATCH',
      `${cds}/beta`,
      [
        { op: 'replace', path: '/spec/template', value: 'k3s-large' },
        { op: 'remove', path: '/metadata/labels/env' },
      ],
      jsonPatch,
    );
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json<Body>().spec?.['template'], 'k3s-large');
    assert.equal(pick(patched.json<unknown>(), 'metadata.labels.env'), undefined);

    const invalid = await s.call(
      'PATCH',
      `${cds}/beta`,
      { spec: { config: { workersNumber: 'many' } } },
      mergePatch,
    );
    assert.equal(invalid.statusCode, 422);
    assert.equal(
      invalid.json<{ details: { causes: { field: string }[] } }>().details.causes[0]?.field,
      'spec.config.workersNumber',
    );

    const failedTest = await s.call(
      'PATCH',
      `${cds}/beta`,
      [{ op: 'test', path: '/spec/template', value: 'other' }],
      jsonPatch,
    );
    assert.equal(failedTest.statusCode, 422);
    const malformed = await s.call('PATCH', `${cds}/beta`, { op: 'replace' }, jsonPatch);
    assert.equal(malformed.statusCode, 400);
    assert.equal((await s.call('GET', `${cds}/beta`)).json<Body>().spec?.['template'], 'k3s-large');
  });

  it('refuses a merge patch it could not apply in full, naming the field', async () => {
    const before = (await s.call('GET', `${cds}/beta`)).json<Body>();
    const res = await s.call(
      'PATCH',
      `${cds}/beta`,
      '{"spec":{"config":{"constructor":{"a":1},"workersNumber":9}}}',
      mergePatch,
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      pick(res.json<unknown>(), 'details.causes.0.field'),
      'spec.config.constructor',
    );
    const after = (await s.call('GET', `${cds}/beta`)).json<Body>();
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('honours a resourceVersion in a patch (409 when stale) and answers 415 for other patch types', async () => {
    const current = (await s.call('GET', `${cds}/beta`)).json<Body>();
    await s.call('PATCH', `${cds}/beta`, { spec: { paused: true } }, mergePatch);
    const stale = await s.call(
      'PATCH',
      `${cds}/beta`,
      { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { paused: false } },
      mergePatch,
    );
    assert.equal(stale.statusCode, 409);
    const staleJson = await s.call(
      'PATCH',
      `${cds}/beta`,
      [
        {
          op: 'replace',
          path: '/metadata/resourceVersion',
          value: current.metadata.resourceVersion,
        },
        { op: 'replace', path: '/spec/paused', value: false },
      ],
      jsonPatch,
    );
    assert.equal(staleJson.statusCode, 409);
    assert.equal((await s.call('GET', `${cds}/beta`)).json<Body>().spec?.['paused'], true);

    for (const type of [
      'application/json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
      'text/plain',
    ]) {
      const res = await s.call('PATCH', `${cds}/beta`, '{"spec":{"paused":false}}', {
        'content-type': type,
      });
      assert.equal(res.statusCode, 415, type);
      assert.equal(res.json<{ reason: string }>().reason, 'UnsupportedMediaType');
    }
  });

  it('retries patches without a resourceVersion that race each other, losing none', async () => {
    await s.call('POST', cds, clusterDeployment('raced'));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        s.call('PATCH', `${cds}/raced`, { metadata: { labels: { [`l${i}`]: 'x' } } }, mergePatch),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.statusCode),
      Array<number>(10).fill(200),
    );
    const labels = pick((await s.call('GET', `${cds}/raced`)).json<unknown>(), 'metadata.labels');
    assert.equal(Object.keys(labels as object).length, 10);
  });
});
