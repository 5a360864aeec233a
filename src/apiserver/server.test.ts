// Each route and verb against a real SQLite store, through Fastify's injector.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  base,
  clusterDeployment,
  clusterTemplate,
  ipPool,
  startTestServer,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;
const mergePatch = { 'content-type': 'application/merge-patch+json' };

interface Body {
  [key: string]: unknown;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion: string;
    generation?: number;
    uid?: string;
    deletionTimestamp?: string;
    continue?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  items?: Body[];
}

describe('resource routes', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('creates (201), gets, lists in a namespace and across namespaces', async () => {
    const created = await s.call('POST', cds, clusterDeployment('alpha'));
    assert.equal(created.statusCode, 201);
    const body = created.json<Body>();
    assert.equal(body.metadata.name, 'alpha');
    assert.equal(body.metadata.generation, 1);
    assert.ok(body.metadata.uid);
    await s.call(
      'POST',
      `${base}/namespaces/other/clusterdeployments`,
      clusterDeployment('alpha', 'other'),
    );

    const got = await s.call('GET', `${cds}/alpha`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json<Body>().spec, body.spec);

    const inNs = await s.call('GET', cds);
    assert.equal(inNs.statusCode, 200);
    const list = inNs.json<Body>();
    assert.equal(list['kind'], 'ClusterDeploymentList');
    assert.equal(list['apiVersion'], 'slipway.dev/v1alpha1');
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(
      list.items?.map((i) => i.metadata.namespace),
      ['default'],
    );

    const all = await s.call('GET', `${base}/clusterdeployments`);
    assert.deepEqual(
      all
        .json<Body>()
        .items?.map((i) => i.metadata.namespace)
        .sort(),
      ['default', 'other'],
    );
  });

  it('serves cluster-scoped kinds without a namespace and refuses the wrong scope', async () => {
    assert.equal((await s.call('POST', `${base}/ippools`, ipPool('lab'))).statusCode, 201);
    assert.equal((await s.call('GET', `${base}/ippools/lab`)).statusCode, 200);
    const namespaced = await s.call('GET', `${base}/namespaces/default/ippools/lab`);
    assert.equal(namespaced.statusCode, 404);
    const noNs = await s.call('GET', `${base}/clusterdeployments/alpha`);
    assert.equal(noNs.statusCode, 404);
    const withNs = await s.call('POST', `${base}/ippools`, {
      ...ipPool('lab2'),
      metadata: { name: 'lab2', namespace: 'x' },
    });
    assert.equal(withNs.statusCode, 422);
    assert.equal(
      withNs.json<{ details: { causes: { field: string }[] } }>().details.causes[0]?.field,
      'metadata.namespace',
    );
    const createAll = await s.call('POST', `${base}/clusterdeployments`, clusterDeployment('nope'));
    assert.equal(createAll.statusCode, 405);
  });

  it('fills apiVersion, kind and namespace from the URL and rejects mismatches', async () => {
    const { apiVersion: _a, kind: _k, ...bare } = clusterDeployment('beta');
    const created = await s.call('POST', cds, { ...bare, metadata: { name: 'beta' } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json<Body>()['kind'], 'ClusterDeployment');
    assert.equal(created.json<Body>().metadata.namespace, 'default');

    const wrongNs = await s.call('POST', cds, clusterDeployment('gamma', 'elsewhere'));
    assert.equal(wrongNs.statusCode, 400);
    const wrongKind = await s.call('POST', cds, { ...clusterDeployment('gamma'), kind: 'Machine' });
    assert.equal(wrongKind.statusCode, 400);
    assert.match(wrongKind.json<{ message: string }>().message, /kind/);
    const wrongName = await s.call('PUT', `${cds}/beta`, clusterDeployment('delta'));
    assert.equal(wrongName.statusCode, 400);
    assert.equal((await s.call('GET', `${cds}/gamma`)).statusCode, 404);
  });

  it('generates names from generateName', async () => {
    const { metadata: _m, ...rest } = clusterDeployment('x');
    const res = await s.call('POST', cds, { ...rest, metadata: { generateName: 'gen-' } });
    assert.equal(res.statusCode, 201);
    assert.match(res.json<Body>().metadata.name, /^gen-[a-z0-9]{5}$/);
  });

  it('updates with PUT, bumps generation on spec change, and refuses a stale resourceVersion (409)', async () => {
    const current = (await s.call('GET', `${cds}/alpha`)).json<Body>();
    const next = { ...current, spec: { ...current.spec, config: { workersNumber: 5 } } };
    const updated = await s.call('PUT', `${cds}/alpha`, next);
    assert.equal(updated.statusCode, 200);
    assert.equal(updated.json<Body>().metadata.generation, 2);
    assert.notEqual(
      updated.json<Body>().metadata.resourceVersion,
      current.metadata.resourceVersion,
    );

    const stale = await s.call('PUT', `${cds}/alpha`, {
      ...next,
      spec: { ...next.spec, paused: true },
    });
    assert.equal(stale.statusCode, 409);
    const status = stale.json<{ reason: string; kind: string }>();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Conflict');
    assert.equal((await s.call('GET', `${cds}/alpha`)).json<Body>().spec?.['paused'], undefined);
    assert.equal(
      (await s.call('PUT', `${cds}/missing`, clusterDeployment('missing'))).statusCode,
      404,
    );
  });

  it('writes status only through the status subresource', async () => {
    const current = (await s.call('GET', `${cds}/alpha`)).json<Body>();
    const ignored = await s.call('PUT', `${cds}/alpha`, { ...current, status: { phase: 'Ready' } });
    assert.equal(ignored.statusCode, 200);
    assert.equal(ignored.json<Body>().status, undefined);

    const latest = ignored.json<Body>();
    const withStatus = await s.call('PUT', `${cds}/alpha/status`, {
      ...latest,
      spec: { template: 'changed', credential: 'changed' },
      status: { phase: 'Provisioning', readyNodes: '0/3' },
    });
    assert.equal(withStatus.statusCode, 200);
    const after = withStatus.json<Body>();
    assert.equal(after.status?.['phase'], 'Provisioning');
    assert.equal(after.spec?.['template'], 'k3s-small', 'spec in a status update is ignored');

    const badStatus = await s.call('PUT', `${cds}/alpha/status`, {
      ...after,
      status: { phase: 'Exploded' },
    });
    assert.equal(badStatus.statusCode, 422);
    assert.equal(
      badStatus.json<{ details: { causes: { field: string }[] } }>().details.causes[0]?.field,
      'status.phase',
    );

    const patched = await s.call(
      'PATCH',
      `${cds}/alpha/status`,
      { status: { readyNodes: '3/3' } },
      mergePatch,
    );
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json<Body>().status?.['readyNodes'], '3/3');
    assert.equal(patched.json<Body>().status?.['phase'], 'Provisioning');
    assert.equal(
      (await s.call('GET', `${cds}/alpha/status`)).json<Body>().status?.['readyNodes'],
      '3/3',
    );

    const secretStatus = await s.call('GET', `${base}/namespaces/default/secrets/x/status`);
    assert.equal(secretStatus.statusCode, 404, 'kinds without status have no status subresource');
  });

  it('keeps ClusterTemplate spec immutable but lets labels change', async () => {
    const ct = `${base}/namespaces/default/clustertemplates`;
    assert.equal((await s.call('POST', ct, clusterTemplate('k3s-1-31'))).statusCode, 201);
    const changed = await s.call(
      'PATCH',
      `${ct}/k3s-1-31`,
      { spec: { provider: 'proxmox' } },
      mergePatch,
    );
    assert.equal(changed.statusCode, 422);
    assert.equal(
      changed.json<{ details: { causes: { field: string }[] } }>().details.causes[0]?.field,
      'spec',
    );
    const labelled = await s.call(
      'PATCH',
      `${ct}/k3s-1-31`,
      { metadata: { labels: { tier: 'small' } } },
      mergePatch,
    );
    assert.equal(labelled.statusCode, 200);
    assert.equal((await s.call('GET', `${ct}/k3s-1-31`)).json<Body>().spec?.['provider'], 'sim');
  });

  it('deletes, returning the object, with preconditions and propagationPolicy', async () => {
    await s.call('POST', cds, clusterDeployment('doomed'));
    const wrongUid = await s.call('DELETE', `${cds}/doomed`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { uid: 'not-it' },
    });
    assert.equal(wrongUid.statusCode, 409);
    const orphan = await s.call('DELETE', `${cds}/doomed?propagationPolicy=Orphan`);
    assert.equal(orphan.statusCode, 400);
    // Foreground would keep the owner until its dependents are gone; not done silently otherwise.
    const foreground = await s.call('DELETE', `${cds}/doomed`, {
      propagationPolicy: 'Foreground',
    });
    assert.equal(foreground.statusCode, 400);
    assert.match(foreground.body, /Foreground is not supported/);
    assert.equal((await s.call('GET', `${cds}/doomed`)).statusCode, 200);
    const badPolicy = await s.call('DELETE', `${cds}/doomed?propagationPolicy=Sideways`);
    assert.equal(badPolicy.statusCode, 400);
    const unknownOption = await s.call('DELETE', `${cds}/doomed`, { gracefully: true });
    assert.equal(unknownOption.statusCode, 400);
    const deleted = await s.call('DELETE', `${cds}/doomed?propagationPolicy=Background`);
    assert.equal(deleted.statusCode, 200);
    assert.equal(deleted.json<Body>().metadata.name, 'doomed');
    assert.equal((await s.call('GET', `${cds}/doomed`)).statusCode, 404);
    assert.equal((await s.call('DELETE', `${cds}/doomed`)).statusCode, 404);
  });

  it('answers 202 for a delete that waits on finalizers', async () => {
    const obj = clusterDeployment('held');
    obj.metadata.finalizers = ['slipway.dev/test'];
    await s.call('POST', cds, obj);
    const res = await s.call('DELETE', `${cds}/held`);
    assert.equal(res.statusCode, 202);
    assert.ok(res.json<Body>().metadata.deletionTimestamp);
    const stillThere = await s.call('GET', `${cds}/held`);
    assert.equal(stillThere.statusCode, 200);
    await s.call('PATCH', `${cds}/held`, { metadata: { finalizers: null } }, mergePatch);
    assert.equal((await s.call('GET', `${cds}/held`)).statusCode, 404);
  });

  it('answers 405 for verbs a URL does not serve', async () => {
    assert.equal(
      (await s.call('POST', `${cds}/alpha`, clusterDeployment('alpha'))).statusCode,
      405,
    );
    assert.equal((await s.call('DELETE', cds)).statusCode, 405);
    assert.equal((await s.call('PUT', cds, clusterDeployment('alpha'))).statusCode, 405);
    assert.equal((await s.call('DELETE', `${cds}/alpha/status`)).statusCode, 405);
  });

  it('accepts names of 253 characters where the kind allows subdomains', async () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    assert.equal(name.length, 253);
    const ct = `${base}/namespaces/default/clustertemplates`;
    assert.equal((await s.call('POST', ct, clusterTemplate(name))).statusCode, 201);
    assert.equal((await s.call('GET', `${ct}/${name}`)).statusCode, 200);
  });
});
