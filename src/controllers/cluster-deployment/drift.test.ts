// End to end: drift and health. A stopped VM is started again, a node NotReady for
// longer than the threshold has its machine replaced (within the unhealthy bound), a
// machine annotated for deletion goes first, and a failing VM creation is reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { Event } from '../../api/kinds/event.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import type { Secret } from '../../api/kinds/secret.ts';
import { readK3sUserData } from '../../providers/bootstrap/k3s/read-user-data.ts';
import { findCondition } from '../conditions.ts';
import { decodeSecretData } from '../secrets.ts';
import { Annotations } from '../objects.ts';
import {
  cluster,
  credential,
  eventually,
  listAll,
  startTestEnvironment,
  template,
  type TestEnvironment,
} from '../test-environment.ts';

let env: TestEnvironment;

before(async () => {
  env = await startTestEnvironment({ nodeNotReadyTimeoutMs: 300 });
});
after(async () => {
  await env?.close();
});

async function setUp(ns: string, workers: number): Promise<void> {
  await env.store.create(template(ns, 't1'));
  await env.store.create(credential(ns, 'sim'));
  await env.store.create(cluster(ns, 'demo', { config: { workersNumber: workers } }));
}

async function get(ns: string): Promise<ClusterDeployment> {
  return env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'demo');
}

async function readyCluster(ns: string, nodes: string): Promise<ClusterDeployment> {
  return eventually(`${ns}/demo Ready with ${nodes} nodes`, async () => {
    const cd = await get(ns);
    return cd.status?.phase === 'Ready' && cd.status.readyNodes === nodes ? cd : undefined;
  });
}

async function machines(ns: string): Promise<Machine[]> {
  return listAll<Machine>(env.store, 'Machine', ns);
}

function vmsOf(ns: string, role: 'control-plane' | 'worker') {
  return env.hypervisor
    .listVMs({ namespace: ns, clusterName: 'demo' })
    .filter((vm) => vm.role === role);
}

describe('drift and health on sim', () => {
  it('starts a VM stopped behind its back', async () => {
    const ns = 'stopped';
    await setUp(ns, 1);
    await readyCluster(ns, '2/2');
    const [vm] = vmsOf(ns, 'worker');
    assert.ok(vm);
    await env.hypervisor.stopVM(vm.vmid);
    await eventually('the stop noticed', async () => {
      const events = await listAll<Event>(env.store, 'Event', ns);
      return events.find((e) => e.reason === 'VMStopped');
    });
    await readyCluster(ns, '2/2');
    const after = vmsOf(ns, 'worker');
    assert.deepEqual(
      after.map((v) => [v.vmid, v.power]),
      [[vm.vmid, 'running']],
      'the same VM, running again',
    );
  });

  it('recreates the first control plane of an HA cluster as a joining server', async () => {
    const ns = 'first-cp';
    await env.store.create(template(ns, 't1'));
    await env.store.create(credential(ns, 'sim'));
    await env.store.create(
      cluster(ns, 'demo', { config: { controlPlaneNumber: 3, workersNumber: 0 } }),
    );
    await readyCluster(ns, '3/3');
    const bootConfig = async () => {
      const secret = await env.store.get<Secret>('Secret', ns, 'demo-cp-0-bootstrap');
      return readK3sUserData(decodeSecretData(secret)['userData'] ?? '').config;
    };
    assert.equal((await bootConfig())['cluster-init'], true);
    const first = vmsOf(ns, 'control-plane').find((vm) => vm.machineName === 'demo-cp-0');
    assert.ok(first);
    await env.hypervisor.vanishVM(first.vmid);
    await eventually('cp-0 made again', async () => {
      await env.hypervisor.settle();
      const vm = vmsOf(ns, 'control-plane').find((v) => v.machineName === 'demo-cp-0');
      return vm && vm.vmid !== first.vmid ? vm : undefined;
    });
    await readyCluster(ns, '3/3');
    const config = await bootConfig();
    assert.equal(config['cluster-init'], undefined, 'no second cluster-init');
    assert.match(String(config['server']), /^https:/);
  });

  it('replaces a machine whose node stays NotReady past the threshold', async () => {
    const ns = 'notready';
    await setUp(ns, 3);
    await readyCluster(ns, '4/4');
    const [sick] = vmsOf(ns, 'worker');
    assert.ok(sick);
    await env.hypervisor.setNodeNotReady(sick.vmid);
    await eventually('the sick machine replaced', async () => {
      const ms = await machines(ns);
      return ms.some((m) => m.metadata.name === sick.machineName) ? undefined : ms;
    });
    await readyCluster(ns, '4/4');
    assert.equal(vmsOf(ns, 'worker').length, 3);
  });

  it('holds back while too much of the cluster is unhealthy', async () => {
    const ns = 'toomany';
    await setUp(ns, 3);
    await readyCluster(ns, '4/4');
    const sick = vmsOf(ns, 'worker').slice(0, 2);
    for (const vm of sick) await env.hypervisor.setNodeNotReady(vm.vmid);
    const cd = await eventually('remediation held back', async () => {
      const c = await get(ns);
      const ready = findCondition(c.status?.conditions, 'Ready');
      return /not replacing unhealthy machines: 2 of 4/.test(ready?.message ?? '') ? c : undefined;
    });
    assert.equal(cd.status?.phase, 'Degraded');
    const names = (await machines(ns)).map((m) => m.metadata.name);
    for (const vm of sick) assert.ok(names.includes(vm.machineName), 'nothing replaced');
    for (const vm of sick) await env.hypervisor.recoverNode(vm.vmid);
    await readyCluster(ns, '4/4');
  });

  it('removes a machine annotated slipway.dev/delete-machine first on scale-down', async () => {
    const ns = 'annotated';
    await setUp(ns, 3);
    await readyCluster(ns, '4/4');
    const workers = (await machines(ns)).filter((m) => m.spec.role === 'worker');
    const oldest = [...workers].sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    )[0];
    assert.ok(oldest);
    await env.store.update({
      ...oldest,
      metadata: {
        ...oldest.metadata,
        annotations: { ...oldest.metadata.annotations, [Annotations.deleteMachine]: 'true' },
      },
    });
    const cd = await get(ns);
    await env.store.update({ ...cd, spec: { ...cd.spec, config: { workersNumber: 2 } } });
    await readyCluster(ns, '3/3');
    const left = await eventually('two workers', async () => {
      const ws = (await machines(ns)).filter((m) => m.spec.role === 'worker');
      return ws.length === 2 ? ws : undefined;
    });
    assert.ok(!left.some((m) => m.metadata.name === oldest.metadata.name));
  });

  it('reports a VM that cannot be created, and recovers once it can', async () => {
    const ns = 'createfail';
    env.hypervisor.setFaults({ failCreateFor: [`${ns}/demo-cp-0`] });
    try {
      await setUp(ns, 0);
      const machine = await eventually('the failure reported', async () => {
        const m = await env.store.get<Machine>('Machine', ns, 'demo-cp-0');
        const infra = findCondition(m.status?.conditions, 'InfrastructureReady');
        return infra?.reason === 'CreateFailed' ? m : undefined;
      });
      assert.match(
        findCondition(machine.status?.conditions, 'InfrastructureReady')?.message ?? '',
        /injected/,
      );
      assert.notEqual(
        (await get(ns)).status?.phase,
        'Failed',
        'a retryable fault is not a failure',
      );
    } finally {
      env.hypervisor.setFaults({});
    }
    await readyCluster(ns, '1/1');
  });
});
