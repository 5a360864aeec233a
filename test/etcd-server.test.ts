// `slipway server --store etcd`: the whole server (API, identity, controllers, leader
// election through an etcd lease) on a real etcd started on loopback. A sim cluster
// created through the API becomes Ready, and its objects are in etcd, not in SQLite.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../src/server.ts';
import { openEtcdStore } from '../src/store/etcd/etcd-store.ts';
import { EtcdTestCluster } from '../src/store/etcd/test-cluster.ts';

const api = '/apis/slipway.dev/v1alpha1';
let etcd: EtcdTestCluster;
let dataDir: string;
let server: RunningServer | undefined;

before(async () => {
  etcd = await EtcdTestCluster.start({ size: 1 });
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-etcd-server-'));
});

after(async () => {
  await server?.close();
  await etcd?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('a cluster created on a server with --store etcd becomes Ready; its objects live in etcd', async () => {
  server = await startServer({
    dataDir,
    listen: '127.0.0.1:0',
    insecureHttp: true,
    demo: true,
    simLatency: 'zero',
    store: { kind: 'etcd', endpoints: etcd.endpoints },
    logger: pino({ level: 'silent' }),
  });
  const token = (await readFile(server.adminTokenPath, 'utf8')).trim();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server?.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const created = await call('POST', `${api}/namespaces/default/clusterdeployments`, {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: 'on-etcd' },
    spec: { template: 'sim-k3s-single', credential: 'sim', config: { workersNumber: 1 } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));

  const deadline = Date.now() + 90_000;
  let status: Record<string, unknown> | undefined;
  for (;;) {
    status = (await call('GET', `${api}/namespaces/default/clusterdeployments/on-etcd`)).json[
      'status'
    ] as Record<string, unknown> | undefined;
    if (status?.['phase'] === 'Ready') break;
    assert.ok(Date.now() < deadline, `not Ready in 90 s: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(status['readyNodes'], '2/2');
  // The one replica leads through its etcd lease, and says so.
  const readyz = await fetch(`${server.url}/readyz?verbose`);
  assert.match(await readyz.text(), /^\[\+\]leader: this replica runs the controllers$/m);
  const metrics = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.match(await metrics.text(), /^slipway_leader 1$/m);
  await server.close();
  server = undefined;

  // The objects are in etcd (read back with the same encryption keys), and no SQLite
  // database was made in the data directory.
  const store = await openEtcdStore({ endpoints: etcd.endpoints, dataDir });
  try {
    const cluster = await store.get('ClusterDeployment', 'default', 'on-etcd');
    assert.equal(cluster.metadata.name, 'on-etcd');
    const machines = await store.list('Machine', { namespace: 'default' });
    assert.equal(machines.items.length, 2);
  } finally {
    await store.close();
  }
  const files = await readdir(dataDir);
  assert.ok(!files.some((f) => f.endsWith('.db') && f !== 'audit.db'), files.join(', '));
});
