// Scale-down of a machine whose node the child cluster no longer has: nothing is left to
// drain, so the machine goes at once instead of waiting out the drain timeout (it used to
// take the 404 of the drain for a problem and retry until the timeout passed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { Machine } from '../api/kinds/machine.ts';
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
  // A drain timeout far longer than the test's patience: only the 404 rule lets it pass.
  env = await startTestEnvironment({ drainTimeoutMs: 60 * 60_000 });
});
after(async () => {
  await env?.close();
});

describe('Machine deletion', () => {
  it('does not wait for a drain when the node is already gone', async () => {
    const ns = 'nodegone';
    await env.store.create(template(ns, 't1'));
    await env.store.create(credential(ns, 'sim'));
    await env.store.create(cluster(ns, 'demo', { config: { workersNumber: 1 } }));
    const cd = await eventually('demo Ready with 2/2 nodes', async () => {
      const c = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'demo');
      return c.status?.phase === 'Ready' && c.status.readyNodes === '2/2' ? c : undefined;
    });
    const worker = (await listAll<Machine>(env.store, 'Machine', ns)).find(
      (m) => m.spec.role === 'worker',
    );
    const nodeName = worker?.status?.nodeName;
    assert.ok(worker && nodeName, 'the worker has a node');

    // Someone removes the Node object (kubectl delete node), then the cluster scales down.
    const client = await env.childClient(ns, 'demo');
    await client.deleteNode(nodeName);
    await env.store.update({ ...cd, spec: { ...cd.spec, config: { workersNumber: 0 } } });

    await eventually(`machine ${worker.metadata.name} deleted`, async () => {
      const machines = await listAll<Machine>(env.store, 'Machine', ns);
      return machines.some((m) => m.metadata.name === worker.metadata.name) ? undefined : true;
    });
    const vms = env.hypervisor.listVMs({ namespace: ns });
    assert.equal(vms.length, 1, 'only the control plane VM remains');
  });
});
