// The composition root as one process serves it: the garbage collector runs beside the
// API server, so deleting an owner over HTTP takes its dependents along.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { pino } from 'pino';
import { startServer } from './server.ts';

test('deleting an owner over HTTP deletes its dependents (cascade by the garbage collector)', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-server-'));
  const server = await startServer({
    dataDir,
    listen: '127.0.0.1:0',
    insecureHttp: true,
    logger: pino({ level: 'silent' }),
  });
  t.after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const token = (await readFile(server.adminTokenPath, 'utf8')).trim();
  const ns = `${server.url}/apis/slipway.dev/v1alpha1/namespaces/default`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ns}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { metadata: { uid: string } } };
  };

  const owner = await call('POST', 'clusterdeployments', {
    metadata: { name: 'demo' },
    spec: { template: 't', credential: 'c' },
  });
  assert.equal(owner.status, 201);
  const ownerReferences = [
    {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'ClusterDeployment',
      name: 'demo',
      uid: owner.body.metadata.uid,
      controller: true,
    },
  ];
  const machine = await call('POST', 'machines', {
    metadata: { name: 'demo-cp-0', ownerReferences },
    spec: { clusterName: 'demo', role: 'control-plane', version: 'v1.31.4+k3s1' },
  });
  assert.equal(machine.status, 201, JSON.stringify(machine.body));

  assert.equal((await call('DELETE', 'clusterdeployments/demo')).status, 200);
  let status = 200;
  for (let i = 0; i < 100 && status === 200; i++) {
    await delay(20);
    status = (await call('GET', 'machines/demo-cp-0')).status;
  }
  assert.equal(status, 404, 'the dependent Machine went with its owner');
});
