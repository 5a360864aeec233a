import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serveClusterAt, type ClusterListener } from './cluster-listener.ts';
import { openSimClusterRegistry, type PersistentSimClusterRegistry } from './registry.ts';
import { makeTestClusterPki, testNode, type TestClusterPki } from './test-pki.ts';

function get(
  url: string,
  options: { ca: string; cert?: string; key?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveClusterAt: one cluster at its own address, as a K3s server serves it', () => {
  let dataDir: string;
  let registry: PersistentSimClusterRegistry;
  let pki: TestClusterPki;
  let listener: ClusterListener;
  const clusterId = 'pve/0123456789abcdef';

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-cluster-listener-'));
    registry = openSimClusterRegistry({ dataDir });
    pki = await makeTestClusterPki('pve', '0123456789abcdef');
    await registry.ensureCluster({ ...pki.init, id: clusterId });
    await registry.upsertNode(clusterId, testNode('cp-1', 'control-plane'));
    listener = await serveClusterAt({
      registry,
      clusterId,
      host: '127.0.33.1',
      port: 0,
      names: ['10.9.9.9'],
    });
  });
  after(async () => {
    await listener.close();
    registry.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a client trusting the server CA and holding an admin certificate lists nodes, without a path prefix', async () => {
    assert.match(listener.url, /^https:\/\/127\.0\.33\.1:\d+$/);
    const answer = await get(`${listener.url}/api/v1/nodes`, {
      ca: pki.serverCA.cert,
      cert: pki.admin.cert,
      key: pki.admin.key,
    });
    assert.equal(answer.status, 200);
    const body = JSON.parse(answer.body) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(
      body.items.map((n) => n.metadata.name),
      ['cp-1'],
    );
  });

  test('without a client certificate only /ping answers; the rest is 401', async () => {
    assert.equal((await get(`${listener.url}/ping`, { ca: pki.serverCA.cert })).status, 200);
    assert.equal(
      (await get(`${listener.url}/api/v1/nodes`, { ca: pki.serverCA.cert })).status,
      401,
    );
  });

  test('with no Ready control plane the API is unavailable; after close nothing listens', async () => {
    await registry.setNodeReady(clusterId, 'cp-1', false);
    const answer = await get(`${listener.url}/version`, {
      ca: pki.serverCA.cert,
      cert: pki.admin.cert,
      key: pki.admin.key,
    });
    assert.equal(answer.status, 503);
    await registry.setNodeReady(clusterId, 'cp-1', true);
    const port = listener.port;
    await listener.close();
    await assert.rejects(
      get(`https://127.0.33.1:${port}/ping`, { ca: pki.serverCA.cert }),
      /ECONNREFUSED/,
    );
    listener = await serveClusterAt({ registry, clusterId, host: '127.0.33.1', port });
  });

  test('an unknown cluster is refused', async () => {
    await assert.rejects(
      serveClusterAt({ registry, clusterId: 'pve/none', host: '127.0.33.2', port: 0 }),
      /simulated cluster pve\/none does not exist/,
    );
  });
});
