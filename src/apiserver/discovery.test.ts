// Discovery, health, version and the generated OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kinds } from '../api/index.ts';
import { collectRefs } from './openapi-schema.ts';
import { overrideStore, pick, startTestServer, type TestServer } from './test-support.ts';

describe('discovery', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ version: { version: '1.2.3', gitCommit: 'abc123' } });
  });
  after(() => s.close());

  it('lists the API group at /apis and /apis/slipway.dev', async () => {
    const groups = (await s.call('GET', '/apis')).json<unknown>();
    assert.equal(pick(groups, 'kind'), 'APIGroupList');
    assert.equal(pick(groups, 'groups.0.name'), 'slipway.dev');
    assert.equal(pick(groups, 'groups.0.preferredVersion.groupVersion'), 'slipway.dev/v1alpha1');
    const group = (await s.call('GET', '/apis/slipway.dev')).json<unknown>();
    assert.equal(pick(group, 'kind'), 'APIGroup');
  });

  it('describes every kind, and status subresources, as an APIResourceList', async () => {
    const res = await s.call('GET', '/apis/slipway.dev/v1alpha1');
    assert.equal(res.statusCode, 200);
    const list = res.json<{
      kind: string;
      groupVersion: string;
      resources: Record<string, unknown>[];
    }>();
    assert.equal(list.kind, 'APIResourceList');
    assert.equal(list.groupVersion, 'slipway.dev/v1alpha1');
    for (const kind of kinds) {
      const entry = list.resources.find((r) => r['name'] === kind.plural);
      assert.ok(entry, kind.plural);
      assert.equal(entry['kind'], kind.kind);
      assert.equal(entry['singularName'], kind.singular);
      assert.equal(entry['namespaced'], kind.namespaced);
      assert.deepEqual(entry['shortNames'], [...kind.shortNames]);
      assert.deepEqual(entry['verbs'], [
        'create',
        'delete',
        'get',
        'list',
        'patch',
        'update',
        'watch',
      ]);
      const status = list.resources.find((r) => r['name'] === `${kind.plural}/status`);
      assert.equal(Boolean(status), kind.hasStatus, `${kind.plural}/status`);
    }
    const kubeconfigs = list.resources.filter((r) => String(r['name']).endsWith('/kubeconfig'));
    assert.deepEqual(kubeconfigs, [
      {
        name: 'clusterdeployments/kubeconfig',
        singularName: '',
        namespaced: true,
        kind: 'ClusterDeployment',
        verbs: ['get'],
      },
    ]);
  });

  it('answers health, readiness and version', async () => {
    assert.equal((await s.app.inject({ url: '/healthz' })).body, 'ok');
    assert.equal((await s.app.inject({ url: '/readyz' })).body, 'ok');
    const version = (await s.app.inject({ url: '/version' })).json<unknown>();
    assert.equal(pick(version, 'version'), '1.2.3');
    assert.equal(pick(version, 'gitCommit'), 'abc123');
    assert.equal(pick(version, 'nodeVersion'), process.version);
  });

  it('reports leadership in /readyz?verbose, without making a standby replica unready', async () => {
    let leading = false;
    const replica = await startTestServer({ leading: () => leading });
    try {
      const standby = await replica.app.inject({ url: '/readyz?verbose' });
      assert.equal(standby.statusCode, 200);
      assert.equal(
        standby.body,
        '[+]store ok\n[+]leader: standby (another replica runs the controllers, or none yet)\nreadyz check passed\n',
      );
      leading = true;
      const leader = await replica.app.inject({ url: '/readyz?verbose' });
      assert.match(leader.body, /^\[\+\]leader: this replica runs the controllers$/m);
      assert.equal((await replica.app.inject({ url: '/readyz' })).body, 'ok');
    } finally {
      await replica.close();
    }
  });

  it('reports not ready when the store fails', async () => {
    const broken = await startTestServer({
      wrapStore: (store) =>
        overrideStore(store, { currentRevision: () => Promise.reject(new Error('disk gone')) }),
    });
    try {
      const res = await broken.app.inject({ url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.equal(pick(res.json<unknown>(), 'reason'), 'ServiceUnavailable');
    } finally {
      await broken.close();
    }
  });
});

describe('OpenAPI', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('indexes the group-version document with a content hash', async () => {
    const index = (await s.call('GET', '/openapi/v3')).json<unknown>();
    // The key holds dots, so it is read directly rather than with `pick`.
    const entry = (index as { paths: Record<string, { serverRelativeURL: string }> }).paths[
      'apis/slipway.dev/v1alpha1'
    ];
    assert.ok(entry);
    assert.match(
      entry.serverRelativeURL,
      /^\/openapi\/v3\/apis\/slipway\.dev\/v1alpha1\?hash=[0-9A-F]+$/,
    );
    const doc = await s.call('GET', entry.serverRelativeURL);
    assert.equal(doc.statusCode, 200);
  });

  it('is an OpenAPI 3 document with a schema and paths for every kind, and every $ref resolves', async () => {
    const doc = (await s.call('GET', '/openapi/v3/apis/slipway.dev/v1alpha1')).json<{
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, { operationId?: string; responses?: object }>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    }>();
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.info.title);
    for (const kind of kinds) {
      const schema = doc.components.schemas[kind.kind];
      assert.ok(schema, kind.kind);
      assert.equal(schema['type'], 'object');
      assert.deepEqual(pick(schema, 'properties.metadata'), {
        $ref: '#/components/schemas/ObjectMeta',
      });
      assert.deepEqual(pick(schema, 'properties.kind.enum'), [kind.kind]);
      assert.equal(schema['additionalProperties'], false, 'unknown fields are not allowed');
      assert.ok(doc.components.schemas[`${kind.kind}List`]);
      const collection = kind.namespaced
        ? `/apis/slipway.dev/v1alpha1/namespaces/{namespace}/${kind.plural}`
        : `/apis/slipway.dev/v1alpha1/${kind.plural}`;
      assert.ok(doc.paths[collection]?.['get'], `list ${collection}`);
      assert.ok(doc.paths[collection]?.['post'], `create ${collection}`);
      for (const verb of ['get', 'put', 'patch', 'delete']) {
        assert.ok(doc.paths[`${collection}/{name}`]?.[verb], `${verb} ${kind.kind}`);
      }
      assert.equal(Boolean(doc.paths[`${collection}/{name}/status`]), kind.hasStatus);
    }
    const kubeconfigPaths = Object.keys(doc.paths).filter((p) => p.endsWith('/kubeconfig'));
    assert.deepEqual(kubeconfigPaths, [
      '/apis/slipway.dev/v1alpha1/namespaces/{namespace}/clusterdeployments/{name}/kubeconfig',
    ]);
    const read = doc.paths[kubeconfigPaths[0] ?? '']?.['get'];
    assert.equal(read?.operationId, 'readNamespacedClusterDeploymentKubeconfig');
    assert.deepEqual(pick(read?.responses, '200.content'), {
      'application/yaml': { schema: { type: 'string' } },
    });
    const operationIds = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).flatMap((op) =>
        op && typeof op === 'object' && 'operationId' in op ? [op.operationId] : [],
      ),
    );
    assert.equal(new Set(operationIds).size, operationIds.length, 'operationIds are unique');
    for (const ref of collectRefs(doc)) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(doc.components.schemas[name], `dangling $ref ${ref}`);
    }
    // OpenAPI 3.0 has no `const` and no patternProperties; the converter must have removed them.
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('"const"'));
    assert.ok(!text.includes('"patternProperties"'));
    assert.deepEqual(
      pick(
        doc.components.schemas['ClusterTemplate'],
        'properties.spec.properties.distribution.properties.name',
      ),
      {
        type: 'string',
        enum: ['k3s', 'k0s'],
      },
    );
  });
});
