// Admission over HTTP: every rejection is a 4xx Status naming the field, and a
// follow-up read proves nothing was stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertStatus,
  base,
  causeFields,
  clusterDeployment,
  pick,
  startTestServer,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;

describe('admission over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  async function assertNothingStored(plural = 'clusterdeployments'): Promise<void> {
    const list = await s.call('GET', `${base}/${plural}`);
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      pick(list.json<unknown>(), 'items'),
      [],
      'nothing may be stored when admission fails',
    );
  }

  it('rejects schema violations with dotted field paths', async () => {
    const res = await s.call(
      'POST',
      cds,
      clusterDeployment('bad', 'default', {
        config: { workersNumber: -1, controlPlaneNumber: 'three' },
        services: [{ template: 'ingress' }],
      }),
    );
    const status = assertStatus(res, 422, 'Invalid');
    assert.deepEqual(causeFields(status).sort(), [
      'spec.config.controlPlaneNumber',
      'spec.config.workersNumber',
      'spec.services[0].name',
    ]);
    assert.equal(pick(status, 'details.kind'), 'ClusterDeployment');
    assert.equal(pick(status, 'details.name'), 'bad');
    assert.equal(pick(status, 'details.group'), 'slipway.dev');
    assert.match(String(pick(status, 'message')), /spec\.config\.workersNumber/);
    await assertNothingStored();
  });

  it('names unknown fields instead of dropping them', async () => {
    const res = await s.call(
      'POST',
      cds,
      clusterDeployment('typo', 'default', { workerNumber: 3 }),
    );
    const status = assertStatus(res, 422, 'Invalid');
    assert.deepEqual(causeFields(status), ['spec.workerNumber']);
    assert.match(String(pick(status, 'message')), /spec\.workerNumber: unknown field/);
    const topLevel = await s.call('POST', cds, { ...clusterDeployment('typo'), specs: {} });
    assert.deepEqual(causeFields(assertStatus(topLevel, 422, 'Invalid')), ['specs']);
    const inMetadata = await s.call('POST', cds, {
      ...clusterDeployment('typo'),
      metadata: { name: 'typo', label: { a: 'b' } },
    });
    assert.deepEqual(causeFields(assertStatus(inMetadata, 422, 'Invalid')), ['metadata.label']);
    await assertNothingStored();
  });

  it('reports missing required fields and unsupported enum values', async () => {
    const res = await s.call('POST', cds, {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'ClusterDeployment',
      metadata: { name: 'empty' },
      spec: { template: 't' },
    });
    const status = assertStatus(res, 422, 'Invalid');
    assert.deepEqual(causeFields(status), ['spec.credential']);
    assert.equal(pick(status, 'details.causes.0.reason'), 'FieldValueRequired');
    const template = await s.call('POST', `${base}/namespaces/default/clustertemplates`, {
      metadata: { name: 'tpl' },
      spec: { provider: 'sim', distribution: { name: 'rke2', version: 'v1' } },
    });
    const enumStatus = assertStatus(template, 422, 'Invalid');
    assert.deepEqual(causeFields(enumStatus), ['spec.distribution.name']);
    assert.match(String(pick(enumStatus, 'message')), /supported values: "k3s", "k0s"/);
    await assertNothingStored('clustertemplates');
    await assertNothingStored();
  });

  for (const [what, name, field] of [
    ['upper case', 'Alpha', 'metadata.name'],
    ['underscore', 'my_cluster', 'metadata.name'],
    ['a dot where the kind needs a DNS label', 'my.cluster', 'metadata.name'],
    ['64 characters', 'a'.repeat(64), 'metadata.name'],
    ['a leading dash', '-alpha', 'metadata.name'],
  ] as const) {
    it(`rejects a name with ${what}`, async () => {
      const status = assertStatus(
        await s.call('POST', cds, clusterDeployment(name)),
        422,
        'Invalid',
      );
      assert.deepEqual(causeFields(status), [field]);
      await assertNothingStored();
    });
  }

  it('rejects a missing name, a bad generateName and a bad namespace', async () => {
    const { metadata: _m, ...rest } = clusterDeployment('x');
    const noName = await s.call('POST', cds, { ...rest, metadata: {} });
    assert.deepEqual(causeFields(assertStatus(noName, 422, 'Invalid')), ['metadata.name']);
    const badPrefix = await s.call('POST', cds, { ...rest, metadata: { generateName: 'Bad_' } });
    assert.deepEqual(causeFields(assertStatus(badPrefix, 422, 'Invalid')), [
      'metadata.generateName',
    ]);
    const badNs = await s.call(
      'POST',
      `${base}/namespaces/Not_A_Namespace/clusterdeployments`,
      clusterDeployment('ok', 'Not_A_Namespace'),
    );
    assert.deepEqual(causeFields(assertStatus(badNs, 422, 'Invalid')), ['metadata.namespace']);
    const wrongType = await s.call('POST', cds, { ...rest, metadata: { name: 42 } });
    assert.deepEqual(causeFields(assertStatus(wrongType, 422, 'Invalid')), ['metadata.name']);
    await assertNothingStored();
  });

  it('rejects labels that selectors could not match', async () => {
    const obj = clusterDeployment('labelled');
    obj.metadata.labels = { 'bad key!': 'x', good: 'not ok' };
    const status = assertStatus(await s.call('POST', cds, obj), 422, 'Invalid');
    assert.deepEqual(causeFields(status), ['metadata.labels', 'metadata.labels["good"]']);
    await assertNothingStored();
  });

  it('rejects annotation keys and finalizer names Kubernetes would refuse', async () => {
    const obj = clusterDeployment('annotated');
    obj.metadata.annotations = { 'ok.example.com/note': 'fine', 'not ok': 'x' };
    obj.metadata.finalizers = ['slipway.dev/cleanup', 'bad finalizer!'];
    const status = assertStatus(await s.call('POST', cds, obj), 422, 'Invalid');
    assert.deepEqual(causeFields(status), ['metadata.annotations', 'metadata.finalizers[1]']);
    const huge = clusterDeployment('huge');
    huge.metadata.annotations = { big: 'x'.repeat(256 * 1024) };
    assert.deepEqual(causeFields(assertStatus(await s.call('POST', cds, huge), 422, 'Invalid')), [
      'metadata.annotations',
    ]);
    await assertNothingStored();
  });

  it('rejects a resourceVersion-free update that breaks the schema and keeps the old object', async () => {
    await s.call('POST', cds, clusterDeployment('keep'));
    const res = await s.call(
      'PUT',
      `${cds}/keep`,
      clusterDeployment('keep', 'default', { credential: '' }),
    );
    assert.deepEqual(causeFields(assertStatus(res, 422, 'Invalid')), ['spec.credential']);
    assert.equal(
      pick((await s.call('GET', `${cds}/keep`)).json<unknown>(), 'spec.credential'),
      'lab',
    );
    await s.call('DELETE', `${cds}/keep`);
  });

  it('applies defaults and folds Secret stringData into data', async () => {
    const res = await s.call('POST', `${base}/namespaces/default/secrets`, {
      metadata: { name: 'creds' },
      data: { user: Buffer.from('root').toString('base64') },
      stringData: { password: 'hunter2' },
    });
    assert.equal(res.statusCode, 201);
    const secret = res.json<unknown>();
    assert.equal(pick(secret, 'type'), 'Opaque');
    assert.equal(pick(secret, 'stringData'), undefined);
    assert.equal(pick(secret, 'data.password'), Buffer.from('hunter2').toString('base64'));
    assert.equal(pick(secret, 'data.user'), Buffer.from('root').toString('base64'));
    const badData = await s.call('POST', `${base}/namespaces/default/secrets`, {
      metadata: { name: 'bad' },
      data: { x: 'not base64!' },
    });
    assert.deepEqual(causeFields(assertStatus(badData, 422, 'Invalid')), ['data.x']);
  });

  it('never echoes Secret values in error messages, yet names the fields', async () => {
    const url = `${base}/namespaces/default/secrets`;
    const secretText = 'hunter2 ZEKRET';
    const created = await s.call('POST', url, {
      metadata: { name: 'leaky' },
      data: { x: secretText },
      stringData: { y: 424242 },
    });
    const status = assertStatus(created, 422, 'Invalid');
    assert.deepEqual(causeFields(status).sort(), ['data.x', 'stringData.y']);
    assert.ok(!created.body.includes('ZEKRET'), created.body);
    assert.ok(!created.body.includes('424242'), created.body);
    assert.match(String(pick(status, 'message')), /data\.x/);

    await s.call('POST', url, { metadata: { name: 'kept' }, stringData: { a: 'b' } });
    const patched = await s.call(
      'PATCH',
      `${url}/kept`,
      [{ op: 'replace', path: '/data/a', value: secretText }],
      { 'content-type': 'application/json-patch+json' },
    );
    assert.deepEqual(causeFields(assertStatus(patched, 422, 'Invalid')), ['data.a']);
    assert.ok(!patched.body.includes('ZEKRET'), patched.body);
  });

  it('keeps an immutable Secret immutable', async () => {
    const url = `${base}/namespaces/default/secrets`;
    await s.call('POST', url, {
      metadata: { name: 'frozen' },
      immutable: true,
      stringData: { a: 'b' },
    });
    const res = await s.call(
      'PATCH',
      `${url}/frozen`,
      { stringData: { a: 'c' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.deepEqual(causeFields(assertStatus(res, 422, 'Invalid')), ['data']);
    const retype = await s.call(
      'PATCH',
      `${url}/frozen`,
      { type: 'slipway.dev/kubeconfig' },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.ok(causeFields(assertStatus(retype, 422, 'Invalid')).includes('type'));
  });
});
