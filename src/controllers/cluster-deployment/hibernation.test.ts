// End to end on sim: hibernation stops every VM of a cluster and keeps them (no node
// replacement, no restart, no scaling while asleep), and waking starts the same VMs
// again until the cluster is Ready, then applies what changed meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { Event } from '../../api/kinds/event.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import { findCondition } from '../conditions.ts';
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
  // NotReady nodes would be replaced after 300 ms: hibernation must keep them anyway.
  env = await startTestEnvironment({ nodeNotReadyTimeoutMs: 300 });
});
after(async () => {
  await env?.close();
});

const ns = 'sleepy';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function get(): Promise<ClusterDeployment> {
  return env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'demo');
}

async function change(fn: (spec: ClusterDeployment['spec']) => void): Promise<void> {
  const cd = await get();
  fn(cd.spec);
  await env.store.update(cd);
}

function vms() {
  return env.hypervisor.listVMs({ namespace: ns, clusterName: 'demo' });
}

async function machineNames(): Promise<string[]> {
  return (await listAll<Machine>(env.store, 'Machine', ns)).map((m) => m.metadata.name).sort();
}

describe('hibernation on sim', () => {
  it('stops every VM, keeps them stopped while asleep, and wakes the cluster to Ready', async () => {
    await env.store.create(template(ns, 't1'));
    await env.store.create(credential(ns, 'sim'));
    await env.store.create(cluster(ns, 'demo', { config: { workersNumber: 1 } }));
    await eventually('Ready with 2 nodes', async () => {
      const cd = await get();
      return cd.status?.phase === 'Ready' && cd.status.readyNodes === '2/2' ? cd : undefined;
    });
    const before = vms().map((vm) => vm.vmid);
    const names = await machineNames();
    assert.equal(before.length, 2);

    await change((spec) => {
      spec.hibernated = true;
    });
    const asleep = await eventually('every VM stopped, phase Hibernated', async () => {
      const cd = await get();
      const machines = await listAll<Machine>(env.store, 'Machine', ns);
      const allStopped = vms().every((vm) => vm.power === 'stopped');
      const ready = findCondition(cd.status?.conditions, 'Ready');
      return allStopped &&
        machines.every((m) => m.status?.phase === 'Stopped') &&
        cd.status?.phase === 'Hibernated' &&
        ready?.message?.includes('2/2 VMs stopped')
        ? cd
        : undefined;
    });
    const ready = findCondition(asleep.status?.conditions, 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'Hibernated');
    assert.match(ready?.message ?? '', /on purpose/);

    // Asleep past the NotReady threshold, and scaled meanwhile: nothing moves.
    await change((spec) => {
      spec.config = { ...spec.config, workersNumber: 2 };
    });
    await sleep(800);
    await env.hypervisor.settle();
    assert.deepEqual(await machineNames(), names, 'no machine replaced or added while asleep');
    assert.deepEqual(
      vms().map((vm) => [vm.vmid, vm.power]),
      before.map((vmid) => [vmid, 'stopped']),
      'the same VMs, all still stopped',
    );
    assert.equal((await get()).status?.phase, 'Hibernated');

    await change((spec) => {
      spec.hibernated = false;
    });
    await eventually('awake and Ready with the new worker', async () => {
      const cd = await get();
      return cd.status?.phase === 'Ready' && cd.status.readyNodes === '3/3' ? cd : undefined;
    });
    const afterWake = await machineNames();
    for (const name of names) assert.ok(afterWake.includes(name), `${name} was kept`);
    assert.equal(afterWake.length, 3);
    for (const vmid of before) {
      assert.equal(vms().find((vm) => vm.vmid === vmid)?.power, 'running', `VM ${vmid} runs`);
    }
    const reasons = (await listAll<Event>(env.store, 'Event', ns)).map((e) => e.reason);
    for (const reason of ['Hibernated', 'WakingUp']) {
      assert.ok(reasons.includes(reason), `event ${reason} in ${reasons.join(', ')}`);
    }
    for (const reason of ['VMStopped', 'VMVanished']) {
      assert.ok(!reasons.includes(reason), `no ${reason} event`);
    }
    assert.ok(
      !(await listAll<Event>(env.store, 'Event', ns)).some((e) => e.reason === 'MachineDeleting'),
      'no machine deleted',
    );
  });
});
