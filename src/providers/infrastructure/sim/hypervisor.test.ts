import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import type { SimVMSpec } from './hypervisor.ts';
import { createSimProvider } from './provider.ts';
import {
  bootstrapOf,
  k3sUserData,
  machineRequest,
  MemorySimClusterRegistry,
  openTestSim,
  testClusterSecrets,
  type TestSim,
} from './test-support.ts';

const cluster = 'team-a/demo';
const execFileAsync = promisify(execFile);

/** Open the data directory's hypervisor in another Node process and ensure `vm` there. */
async function ensureInChildProcess(dataDir: string, vm: SimVMSpec): Promise<number[]> {
  const module = (name: string) => JSON.stringify(new URL(name, import.meta.url).href);
  const script = `
    const { openSimHypervisor } = await import(${module('./hypervisor.ts')});
    const { MemorySimClusterRegistry } = await import(${module('./test-support.ts')});
    const [dataDir, vm] = JSON.parse(process.argv[1]);
    const hv = await openSimHypervisor({ dataDir, registry: new MemorySimClusterRegistry(), profile: 'zero' });
    const vms = await Promise.all([1, 2, 3].map(() => hv.ensureVM(vm)));
    await hv.close();
    console.log(JSON.stringify(vms.map((v) => v.vmid)));`;
  const { stdout } = await execFileAsync(process.execPath, [
    '--input-type=module',
    '-e',
    script,
    JSON.stringify([dataDir, vm]),
  ]);
  return JSON.parse(stdout) as number[];
}
const serverUrl = 'https://127.0.0.1:7443/clusters/team-a/demo';
type Secrets = ReturnType<typeof testClusterSecrets>;

function firstServer(name: string, s: Secrets): SimVMSpec {
  const userData = k3sUserData({ hostname: name, role: 'server', token: s.token, pki: s.pki });
  return spec(name, 'control-plane', userData);
}

function joiner(name: string, role: 'server' | 'agent', s: Secrets): SimVMSpec {
  const userData = k3sUserData({ hostname: name, role, token: s.token, serverUrl });
  return spec(name, role === 'server' ? 'control-plane' : 'worker', userData);
}

function spec(name: string, role: SimVMSpec['role'], userData: string): SimVMSpec {
  return {
    namespace: 'team-a',
    clusterName: 'demo',
    machineName: name,
    machineUID: `uid-${name}`,
    role,
    bootstrap: bootstrapOf(userData, name),
  };
}

async function withSim(
  options: Parameters<typeof openTestSim>[0],
  fn: (sim: TestSim) => Promise<void>,
): Promise<void> {
  const sim = await openTestSim(options);
  try {
    await fn(sim);
  } finally {
    await sim.cleanup();
  }
}

// With random() = 0.5 and jitter 0.2 every delay is 1.1 × its base.
describe('simulated hypervisor: time', () => {
  test('stages take their jittered latency, driven by the clock alone', () =>
    withSim({ profile: 'default' }, async ({ hypervisor, clock, registry }) => {
      const s = testClusterSecrets();
      const vm = await hypervisor.ensureVM(firstServer('cp-1', s));
      assert.equal(vm.power, 'provisioning');
      await clock.advance(10_999);
      assert.equal(hypervisor.listVMs()[0]?.power, 'provisioning');
      assert.equal(registry.getCluster(cluster), undefined);
      await clock.advance(1);
      assert.equal(hypervisor.listVMs()[0]?.power, 'running');
      assert.equal(registry.node(cluster, 'cp-1')?.ready, false, 'registered, components starting');
      await clock.advance(2_199);
      assert.equal(registry.node(cluster, 'cp-1')?.ready, false);
      await clock.advance(1);
      assert.equal(registry.node(cluster, 'cp-1')?.ready, true);
      assert.equal(clock.pendingTimers, 0, 'no timer once nothing is scheduled');
    }));

  test('observations carry the time left', () =>
    withSim({ profile: 'default' }, async ({ hypervisor, clock }) => {
      const provider = createSimProvider(hypervisor);
      const req = machineRequest('m1', bootstrapOf('#cloud-config\n', 'm1'));
      const obs = await provider.reconcileMachine(req);
      assert.deepEqual([obs.state, obs.reason], ['Creating', 'CloningVM']);
      assert.match(obs.message ?? '', /about 11\.0 s left/);
      await clock.advance(6_000);
      assert.match((await provider.observeMachine(req))?.message ?? '', /about 5\.0 s left/);
    }));

  test('deletion takes its latency, then the VM is gone', () =>
    withSim({ profile: 'default' }, async ({ hypervisor, clock }) => {
      const provider = createSimProvider(hypervisor);
      const req = machineRequest('m1', bootstrapOf('#cloud-config\n', 'm1'));
      await provider.reconcileMachine(req);
      await clock.advance(11_000);
      assert.deepEqual(await provider.deleteMachine(req), {
        gone: false,
        reason: 'DeletingVM',
        message: `sim VM 1 is being deleted (about 1.1 s left)`,
      });
      assert.equal((await provider.observeMachine(req))?.reason, 'DeletingVM');
      await clock.advance(1_100);
      assert.equal(hypervisor.listVMs().length, 0);
      assert.equal((await provider.deleteMachine(req)).gone, true);
    }));
});

describe('simulated hypervisor: persistence and adoption', () => {
  test('a reopened hypervisor finds its VMs and never duplicates them', () =>
    withSim({ profile: 'default' }, async (sim) => {
      const s = testClusterSecrets();
      const created = await sim.hypervisor.ensureVM(firstServer('cp-1', s));
      await sim.clock.advance(5_000);
      const reopened = await sim.reopen();
      const adopted = await reopened.ensureVM(firstServer('cp-1', s));
      assert.equal(adopted.vmid, created.vmid);
      assert.equal(adopted.power, 'provisioning');
      assert.equal(reopened.listVMs().length, 1);
      await sim.clock.advance(6_000);
      assert.equal(reopened.listVMs()[0]?.power, 'running');
    }));

  test('time that passed while closed is caught up on open', () =>
    withSim({ profile: 'default' }, async (sim) => {
      const s = testClusterSecrets();
      await sim.hypervisor.ensureVM(firstServer('cp-1', s));
      await sim.hypervisor.close();
      await sim.clock.advance(60_000);
      const reopened = await sim.reopen();
      assert.equal(reopened.listVMs()[0]?.power, 'running');
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, true);
    }));

  test('hypervisors in three processes on one data directory create one VM', () =>
    withSim({}, async (sim) => {
      const s = testClusterSecrets();
      const vm = firstServer('cp-1', s);
      const children = [1, 2].map(() => ensureInChildProcess(sim.dataDir, vm));
      const here = await Promise.all([1, 2, 3].map(() => sim.hypervisor.ensureVM(vm)));
      const there = await Promise.all(children);
      assert.equal(new Set([...here.map((v) => v.vmid), ...there.flat()]).size, 1);
      assert.equal(sim.hypervisor.listVMs().length, 1);
    }));

  test('a VM tagged with another machine UID is not adopted', () =>
    withSim({}, async ({ hypervisor }) => {
      const s = testClusterSecrets();
      const old = await hypervisor.ensureVM(firstServer('cp-1', s));
      const fresh = await hypervisor.ensureVM({ ...firstServer('cp-1', s), machineUID: 'new' });
      assert.notEqual(fresh.vmid, old.vmid);
      assert.equal(hypervisor.listVMs({ machineName: 'cp-1' }).length, 2);
    }));

  test('a registry that lost its clusters gets them back from running VMs on open', () =>
    withSim({}, async (sim) => {
      const s = testClusterSecrets();
      await sim.hypervisor.ensureVM(firstServer('cp-1', s));
      await sim.hypervisor.ensureVM(joiner('w-1', 'agent', s));
      const registry = new MemorySimClusterRegistry();
      await sim.reopen({ registry });
      assert.ok(registry.getCluster(cluster));
      assert.deepEqual(
        registry.listNodes(cluster).map((n) => [n.name, n.ready]),
        [
          ['cp-1', true],
          ['w-1', true],
        ],
      );
    }));
});

describe('simulated hypervisor: clusters', () => {
  test('VMs get stable addresses: a static one from network-config, else 10.77.x.y', () =>
    withSim({}, async ({ hypervisor, registry }) => {
      const s = testClusterSecrets();
      const first = firstServer('cp-1', s);
      first.bootstrap.networkConfig =
        'version: 2\nethernets:\n  eth0:\n    addresses: [192.168.50.11/24]\n';
      assert.equal((await hypervisor.ensureVM(first)).address, '192.168.50.11');
      assert.equal(registry.node(cluster, 'cp-1')?.internalIP, '192.168.50.11');
      assert.equal((await hypervisor.ensureVM(joiner('w-1', 'agent', s))).address, '10.77.0.2');
    }));

  test('a node created before its cluster waits, then joins when the first server is up', () =>
    withSim({ profile: 'default' }, async ({ hypervisor, clock, registry }) => {
      const s = testClusterSecrets();
      await hypervisor.ensureVM(joiner('w-1', 'agent', s));
      await clock.advance(11_000);
      assert.equal(hypervisor.listVMs()[0]?.boot?.reason, 'WaitingForServer');
      await hypervisor.ensureVM(firstServer('cp-1', s));
      await clock.advance(11_000);
      assert.equal(registry.node(cluster, 'w-1')?.ready, false);
      await clock.advance(2_200);
      assert.equal(registry.node(cluster, 'w-1')?.ready, true);
      assert.equal(registry.node(cluster, 'cp-1')?.ready, true);
    }));

  test('a wrong token shows in the observation; the node never registers', () =>
    withSim({}, async ({ hypervisor, registry }) => {
      const s = testClusterSecrets();
      await hypervisor.ensureVM(firstServer('cp-1', s));
      const wrong = testClusterSecrets(s.password);
      const provider = createSimProvider(hypervisor);
      const userData = k3sUserData({
        hostname: 'w-1',
        role: 'agent',
        token: wrong.token,
        serverUrl,
      });
      const obs = await provider.reconcileMachine(
        machineRequest('w-1', bootstrapOf(userData, 'w-1'), { role: 'worker' }),
      );
      assert.deepEqual([obs.state, obs.reason], ['Running', 'JoinFailed']);
      assert.match(obs.message ?? '', /token CA hash does not match/);
      assert.equal(registry.node(cluster, 'w-1'), undefined);
    }));

  test('deleting VMs removes their nodes, and the last server takes the cluster', () =>
    withSim({}, async ({ hypervisor, registry }) => {
      const s = testClusterSecrets();
      const specs = [
        firstServer('cp-1', s),
        joiner('cp-2', 'server', s),
        joiner('w-1', 'agent', s),
      ];
      for (const vm of specs) await hypervisor.ensureVM(vm);
      assert.equal(registry.listNodes(cluster).length, 3);
      const [cp1, cp2, w1] = specs as [SimVMSpec, SimVMSpec, SimVMSpec];
      await hypervisor.deleteVM(w1);
      assert.equal(registry.node(cluster, 'w-1'), undefined);
      await hypervisor.deleteVM(cp1);
      assert.ok(registry.getCluster(cluster), 'another server still holds the cluster');
      assert.deepEqual(
        registry.listNodes(cluster).map((n) => n.name),
        ['cp-2'],
      );
      await hypervisor.deleteVM(cp2);
      assert.equal(registry.getCluster(cluster), undefined);
      assert.equal(hypervisor.listVMs().length, 0);
    }));
});
