// The Machine controller end to end on sim: a registered node is referenced by name and
// uid, and a VM whose K3s cannot join stays Bootstrapping with the join failure in its
// NodeReady condition instead of a silent wait.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { Machine } from '../api/kinds/machine.ts';
import type { Secret } from '../api/kinds/secret.ts';
import { findCondition } from './conditions.ts';
import { decodeSecretData } from './secrets.ts';
import {
  cluster,
  credential,
  eventually,
  listAll,
  startTestEnvironment,
  template,
  type TestEnvironment,
} from './test-environment.ts';

let env: TestEnvironment;

before(async () => {
  env = await startTestEnvironment();
});
after(async () => {
  await env?.close();
});

async function readyCluster(ns: string, nodes: string): Promise<ClusterDeployment> {
  return eventually(`${ns}/demo Ready with ${nodes} nodes`, async () => {
    const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'demo');
    return cd.status?.phase === 'Ready' && cd.status.readyNodes === nodes ? cd : undefined;
  });
}

describe('Machine controller on sim', () => {
  it('references the registered node by name and uid', async () => {
    const ns = 'noderef';
    await env.store.create(template(ns, 't1'));
    await env.store.create(credential(ns, 'sim'));
    await env.store.create(cluster(ns, 'demo', { config: { workersNumber: 1 } }));
    await readyCluster(ns, '2/2');
    const client = await env.childClient(ns, 'demo');
    const nodes = await client.listNodes();
    const machines = await listAll<Machine>(env.store, 'Machine', ns);
    assert.equal(machines.length, 2);
    for (const m of machines) {
      const node = nodes.find((n) => n.name === m.status?.nodeName);
      assert.ok(node, `node of ${m.metadata.name}`);
      assert.equal(m.status?.phase, 'Running');
      assert.deepEqual(m.status.nodeRef, { name: node.name, uid: node.uid });
      assert.match(node.uid ?? '', /^[0-9a-f-]{36}$/);
    }
  });

  it('reports a join that fails as Bootstrapping with the reason in NodeReady', async () => {
    const ns = 'joinfail';
    await env.store.create(template(ns, 't1'));
    await env.store.create(credential(ns, 'sim'));
    await env.store.create(cluster(ns, 'demo', { config: { workersNumber: 0 } }));
    const cd = await readyCluster(ns, '1/1');
    // Workers made from now on join with a token whose password the cluster refuses.
    const token = await env.store.get<Secret>('Secret', ns, 'demo-token');
    const value = decodeSecretData(token)['token'] ?? '';
    assert.match(value, /^K10[0-9a-f]+::server:.+$/);
    const wrong = value.replace(/:[^:]+$/, ':not-the-password');
    await env.store.update<Secret>({
      ...token,
      data: { token: Buffer.from(wrong).toString('base64') },
    });
    await env.store.update({ ...cd, spec: { ...cd.spec, config: { workersNumber: 1 } } });

    const worker = await eventually('the worker refused by the cluster', async () => {
      const machines = await listAll<Machine>(env.store, 'Machine', ns);
      const m = machines.find((x) => x.spec.role === 'worker');
      const nodeReady = findCondition(m?.status?.conditions, 'NodeReady');
      return nodeReady?.reason === 'JoinFailed' ? m : undefined;
    });
    assert.equal(worker.status?.phase, 'Bootstrapping');
    assert.equal(worker.status.nodeRef, undefined);
    assert.equal(worker.status.nodeName, undefined);
    assert.equal(findCondition(worker.status.conditions, 'InfrastructureReady')?.status, 'True');
    const nodeReady = findCondition(worker.status.conditions, 'NodeReady');
    assert.equal(nodeReady?.status, 'False');
    assert.match(nodeReady?.message ?? '', /401 Unauthorized/);
    const ready = findCondition(worker.status.conditions, 'Ready');
    assert.equal(ready?.reason, 'JoinFailed', 'Ready says why, too');
  });
});
