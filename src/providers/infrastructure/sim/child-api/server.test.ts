import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import {
  startTestEnvironment,
  type TestCluster,
  type TestEnvironment,
} from './test-environment.ts';
import { makeTestClientCert, testNode } from './test-pki.ts';

interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown>;
  peer: X509Certificate | undefined;
}

interface RequestOptions {
  servername?: string;
  ca?: string;
  client?: { cert: string; key: string } | undefined;
  method?: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

function call(env: TestEnvironment, path: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: env.api.port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        headers: {
          ...(body ? { 'content-type': options.contentType ?? 'application/json' } : {}),
          ...(options.accept ? { accept: options.accept } : {}),
        },
      },
      (res) => {
        const raw = (res.socket as TLSSocket).getPeerX509Certificate();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, text, json, peer: raw });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('simulated child API server', () => {
  let env: TestEnvironment;
  let alpha: TestCluster;
  let beta: TestCluster;
  const as = (cluster: TestCluster, extra: RequestOptions = {}): RequestOptions => ({
    servername: env.api.endpointFor(cluster.namespace, cluster.name).tlsServerName,
    ca: cluster.pki.serverCA.cert,
    client: cluster.pki.admin,
    ...extra,
  });
  const prefix = (cluster: TestCluster) =>
    env.api.endpointFor(cluster.namespace, cluster.name).pathPrefix;

  before(async () => {
    env = await startTestEnvironment();
    alpha = await env.addCluster('team-a', 'alpha', { workers: 2 });
    beta = await env.addCluster('team-b', 'beta', { workers: 1 });
  });
  after(() => env.close());

  test('endpoints follow the path-prefix and server-name conventions', () => {
    assert.deepEqual(env.api.endpointFor('team-a', 'alpha'), {
      host: '127.0.0.1',
      port: env.api.port,
      pathPrefix: '/clusters/team-a/alpha',
      tlsServerName: 'alpha.team-a.sim.slipway.internal',
    });
    assert.equal(env.api.url, `https://127.0.0.1:${env.api.port}`);
  });

  test('SNI picks the serving certificate signed by that cluster’s server CA', async () => {
    for (const cluster of [alpha, beta]) {
      const answer = await call(env, `${prefix(cluster)}/ping`, as(cluster, { client: undefined }));
      assert.equal(answer.text, 'pong');
      const ca = new X509Certificate(cluster.pki.serverCA.cert);
      assert.ok(answer.peer?.verify(ca.publicKey), 'signed by the cluster’s own server CA');
      assert.ok(
        answer.peer?.checkHost(`${cluster.name}.${cluster.namespace}.sim.slipway.internal`),
      );
    }
    // Trusting alpha’s CA while naming beta fails verification.
    await assert.rejects(
      call(env, `${prefix(beta)}/ping`, { ...as(beta), ca: alpha.pki.serverCA.cert }),
      /self-signed|unable to verify|certificate/i,
    );
  });

  test('/cacerts returns the server CA bytes without credentials; /ping answers pong', async () => {
    const cacerts = await call(env, `${prefix(alpha)}/cacerts`);
    assert.equal(cacerts.status, 200);
    assert.equal(cacerts.text, alpha.pki.serverCA.cert);
    const ping = await call(env, `${prefix(beta)}/ping`);
    assert.equal(ping.text, 'pong');
  });

  test('no client certificate → 401 Status, as K3s with anonymous auth off', async () => {
    const answer = await call(env, `${prefix(alpha)}/readyz`, as(alpha, { client: undefined }));
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  test('a client certificate from another CA is rejected', async () => {
    const foreign = await makeTestClientCert(
      beta.pki.clientCA,
      'CN=system:admin, O=system:masters',
    );
    const answer = await call(env, `${prefix(alpha)}/api/v1/nodes`, as(alpha, { client: foreign }));
    assert.equal(answer.status, 401);
  });

  test('two clusters on one listener are isolated', async () => {
    // Alpha’s admin over alpha’s TLS name, but beta’s path: not authenticated for beta.
    const crossPath = await call(env, `${prefix(beta)}/api/v1/nodes`, as(alpha));
    assert.equal(crossPath.status, 401);
    // Beta’s TLS name (verifies beta’s client CA) with alpha’s certificate: rejected.
    const crossCert = await call(env, `${prefix(beta)}/api/v1/nodes`, {
      ...as(beta),
      client: alpha.pki.admin,
    });
    assert.equal(crossCert.status, 401);
    const alphaNodes = await call(env, `${prefix(alpha)}/api/v1/nodes`, as(alpha));
    const betaNodes = await call(env, `${prefix(beta)}/api/v1/nodes`, as(beta));
    const names = (answer: Answer) =>
      (answer.json['items'] as { metadata: { name: string } }[]).map((n) => n.metadata.name);
    assert.deepEqual(names(alphaNodes), alpha.nodeNames);
    assert.deepEqual(names(betaNodes), beta.nodeNames);
  });

  test('health, version and discovery answer in Kubernetes shapes', async () => {
    const readyz = await call(env, `${prefix(alpha)}/readyz`, as(alpha));
    assert.equal(readyz.status, 200);
    assert.equal(readyz.text, 'ok');
    const verbose = await call(env, `${prefix(alpha)}/readyz?verbose`, as(alpha));
    assert.match(verbose.text, /readyz check passed/);
    for (const path of ['/livez', '/healthz']) {
      assert.equal((await call(env, `${prefix(alpha)}${path}`, as(alpha))).text, 'ok');
    }
    const version = await call(env, `${prefix(alpha)}/version`, as(alpha));
    assert.equal(version.json['gitVersion'], 'v1.31.4+k3s1');
    assert.equal(version.json['major'], '1');
    assert.equal(version.json['minor'], '31');
    const apiVersions = await call(env, `${prefix(alpha)}/api`, as(alpha));
    assert.equal(apiVersions.json['kind'], 'APIVersions');
    assert.deepEqual(apiVersions.json['versions'], ['v1']);
    const core = await call(env, `${prefix(alpha)}/api/v1`, as(alpha));
    assert.equal(core.json['kind'], 'APIResourceList');
    const resources = core.json['resources'] as {
      name: string;
      namespaced: boolean;
      kind: string;
    }[];
    for (const name of [
      'nodes',
      'namespaces',
      'pods',
      'pods/eviction',
      'services',
      'configmaps',
      'secrets',
    ]) {
      assert.ok(
        resources.some((r) => r.name === name),
        `core resources include ${name}`,
      );
    }
    assert.equal(resources.find((r) => r.name === 'nodes')?.namespaced, false);
    const groups = await call(env, `${prefix(alpha)}/apis`, as(alpha));
    assert.equal(groups.json['kind'], 'APIGroupList');
    const groupNames = (groups.json['groups'] as { name: string }[]).map((g) => g.name);
    assert.ok(
      groupNames.includes('apps') &&
        groupNames.includes('policy') &&
        groupNames.includes('helm.cattle.io'),
    );
    const apps = await call(env, `${prefix(alpha)}/apis/apps/v1`, as(alpha));
    assert.equal(apps.json['groupVersion'], 'apps/v1');
    const group = await call(env, `${prefix(alpha)}/apis/apps`, as(alpha));
    assert.deepEqual(group.json['preferredVersion'], { groupVersion: 'apps/v1', version: 'v1' });
  });

  test('errors are Kubernetes Status bodies', async () => {
    const missing = await call(env, `${prefix(alpha)}/api/v1/nodes/nope`, as(alpha));
    assert.equal(missing.status, 404);
    assert.equal(missing.json['kind'], 'Status');
    assert.equal(missing.json['reason'], 'NotFound');
    assert.equal(missing.json['message'], 'nodes "nope" not found');
    const unknownPath = await call(env, `${prefix(alpha)}/apis/example.com/v1/widgets`, as(alpha));
    assert.equal(unknownPath.status, 404);
    const noNamespace = await call(env, `${prefix(alpha)}/api/v1/namespaces/ghost/configmaps`, {
      ...as(alpha),
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    });
    assert.equal(noNamespace.status, 404);
    assert.equal(noNamespace.json['message'], 'namespaces "ghost" not found');
  });

  test('generic objects: create, get, list, patch, conflict, delete; learned kinds', async () => {
    const base = `${prefix(alpha)}/api/v1/namespaces/default/configmaps`;
    const created = await call(env, base, {
      ...as(alpha),
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings' },
        data: { a: '1' },
      },
    });
    assert.equal(created.status, 201);
    const meta = created.json['metadata'] as Record<string, string>;
    assert.equal(meta['namespace'], 'default');
    assert.ok(meta['uid'] && meta['resourceVersion'] && meta['creationTimestamp']);
    const again = await call(env, base, {
      ...as(alpha),
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } },
    });
    assert.equal(again.status, 409);
    assert.equal(again.json['reason'], 'AlreadyExists');
    const patched = await call(env, `${base}/settings`, {
      ...as(alpha),
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { data: { b: '2' } },
    });
    assert.deepEqual(patched.json['data'], { a: '1', b: '2' });
    const stale = await call(env, `${base}/settings`, {
      ...as(alpha),
      method: 'PUT',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', resourceVersion: meta['resourceVersion'] },
      },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.json['reason'], 'Conflict');
    const listed = await call(env, base, as(alpha));
    assert.equal(listed.json['kind'], 'ConfigMapList');
    assert.equal((listed.json['items'] as unknown[]).length, 1);
    // A custom kind nobody declared: learned from its first create.
    const widgets = `${prefix(alpha)}/apis/example.com/v1/namespaces/default/widgets`;
    const widget = await call(env, widgets, {
      ...as(alpha),
      method: 'POST',
      body: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { size: 3 },
      },
    });
    assert.equal(widget.status, 201);
    assert.equal((await call(env, `${widgets}/w1`, as(alpha))).json['kind'], 'Widget');
    const discovery = await call(env, `${prefix(alpha)}/apis/example.com/v1`, as(alpha));
    assert.equal((discovery.json['resources'] as { name: string }[])[0]?.name, 'widgets');
    // Beta does not see alpha’s objects.
    assert.equal(
      (await call(env, `${prefix(beta)}/api/v1/namespaces/default/configmaps/settings`, as(beta)))
        .status,
      404,
    );
    const deleted = await call(env, `${base}/settings`, { ...as(alpha), method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal((await call(env, `${base}/settings`, as(alpha))).status, 404);
  });

  test('nodes: strategic-merge-patch cordon shows as SchedulingDisabled; pods by node', async () => {
    const node = alpha.nodeNames[1] ?? '';
    const patched = await call(env, `${prefix(alpha)}/api/v1/nodes/${node}`, {
      ...as(alpha),
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { unschedulable: true } },
    });
    assert.equal(patched.status, 200);
    const spec = patched.json['spec'] as { unschedulable?: boolean; taints: { key: string }[] };
    assert.equal(spec.unschedulable, true);
    assert.ok(spec.taints.some((t) => t.key === 'node.kubernetes.io/unschedulable'));
    const table = await call(env, `${prefix(alpha)}/api/v1/nodes`, {
      ...as(alpha),
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(table.json['kind'], 'Table');
    const rows = table.json['rows'] as { cells: unknown[] }[];
    assert.deepEqual(rows.find((r) => r.cells[0] === node)?.cells[1], 'Ready,SchedulingDisabled');
    assert.equal(
      env.registry.listNodes(alpha.id).find((n) => n.name === node)?.unschedulable,
      true,
    );
    const pods = await call(
      env,
      `${prefix(alpha)}/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`,
      as(alpha),
    );
    const items = pods.json['items'] as { spec: { nodeName: string } }[];
    assert.ok(items.length >= 2, 'a DaemonSet pod and a workload pod');
    assert.ok(items.every((p) => p.spec.nodeName === node));
    await call(env, `${prefix(alpha)}/api/v1/nodes/${node}`, {
      ...as(alpha),
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { unschedulable: null } },
    });
  });

  test('watch streams changes from a resourceVersion as NDJSON', async () => {
    const list = await call(env, `${prefix(beta)}/api/v1/nodes`, as(beta));
    const revision = (list.json['metadata'] as { resourceVersion: string }).resourceVersion;
    await env.registry.setNodeReady(beta.id, beta.nodeNames[1] ?? '', false);
    await env.registry.upsertNode(beta.id, testNode('beta-worker-9', 'worker'));
    const stream = await call(
      env,
      `${prefix(beta)}/api/v1/nodes?watch=true&resourceVersion=${revision}&timeoutSeconds=1`,
      as(beta),
    );
    const events = stream.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['MODIFIED beta-worker-1', 'ADDED beta-worker-9'],
    );
    await env.registry.setNodeReady(beta.id, beta.nodeNames[1] ?? '', true);
    await env.registry.removeNode(beta.id, 'beta-worker-9');
  });

  test('eviction removes the pod and its ReplicaSet replaces it elsewhere', async () => {
    const node = alpha.nodeNames[2] ?? '';
    const pods = await call(
      env,
      `${prefix(alpha)}/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`,
      as(alpha),
    );
    const workload = (
      pods.json['items'] as {
        metadata: { name: string; namespace: string; ownerReferences: { kind: string }[] };
      }[]
    ).find((p) => p.metadata.ownerReferences[0]?.kind === 'ReplicaSet');
    assert.ok(workload, 'the worker runs a ReplicaSet pod');
    const { name, namespace } = workload.metadata;
    const evicted = await call(
      env,
      `${prefix(alpha)}/api/v1/namespaces/${namespace}/pods/${name}/eviction`,
      {
        ...as(alpha),
        method: 'POST',
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      },
    );
    assert.equal(evicted.status, 201);
    assert.equal(evicted.json['status'], 'Success');
    assert.equal(
      (await call(env, `${prefix(alpha)}/api/v1/namespaces/${namespace}/pods/${name}`, as(alpha)))
        .status,
      404,
    );
    const all = await call(env, `${prefix(alpha)}/api/v1/namespaces/${namespace}/pods`, as(alpha));
    assert.ok((all.json['items'] as unknown[]).length >= 2, 'the replacement exists');
  });

  test('a cluster with no Ready control plane refuses TLS handshakes', async () => {
    const gamma = await env.addCluster('team-c', 'gamma', { workers: 0 });
    assert.equal((await call(env, `${prefix(gamma)}/readyz`, as(gamma))).status, 200);
    await env.registry.setNodeReady(gamma.id, gamma.nodeNames[0] ?? '', false);
    await assert.rejects(call(env, `${prefix(gamma)}/readyz`, as(gamma)));
    await env.registry.removeCluster(gamma.id);
    await assert.rejects(call(env, `${prefix(gamma)}/readyz`, as(gamma)));
  });

  test('a restarted server finds its clusters, nodes and objects', async () => {
    const base = `${prefix(beta)}/api/v1/namespaces/default/configmaps`;
    await call(env, base, {
      ...as(beta),
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } },
    });
    await env.restart();
    assert.equal((await call(env, `${base}/kept`, as(beta))).status, 200);
    const nodes = await call(env, `${prefix(beta)}/api/v1/nodes`, as(beta));
    assert.deepEqual(
      (nodes.json['items'] as { metadata: { name: string } }[]).map((n) => n.metadata.name),
      beta.nodeNames,
    );
    assert.equal((await call(env, `${prefix(alpha)}/readyz`, as(alpha))).text, 'ok');
    // Watch history is not kept across restarts: an older resourceVersion is 410 Expired.
    const expired = await call(
      env,
      `${prefix(beta)}/api/v1/nodes?watch=1&resourceVersion=1&timeoutSeconds=1`,
      as(beta),
    );
    const error = JSON.parse(expired.text.trim()) as {
      type: string;
      object: { code: number; reason: string };
    };
    assert.equal(error.type, 'ERROR');
    assert.equal(error.object.code, 410);
    assert.equal(error.object.reason, 'Expired');
  });
});
