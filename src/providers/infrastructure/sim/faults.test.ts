import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimProviderError } from './faults.ts';
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
import type { MachineRequest } from '../types.ts';

const cluster = 'team-a/demo';

async function withCluster(
  options: Parameters<typeof openTestSim>[0],
  fn: (
    sim: TestSim,
    cp: MachineRequest,
    provider: ReturnType<typeof createSimProvider>,
  ) => Promise<void>,
): Promise<void> {
  const sim = await openTestSim(options);
  try {
    const s = testClusterSecrets();
    const userData = k3sUserData({ hostname: 'cp-1', role: 'server', token: s.token, pki: s.pki });
    const provider = createSimProvider(sim.hypervisor);
    await fn(sim, machineRequest('cp-1', bootstrapOf(userData, 'cp-1')), provider);
  } finally {
    await sim.cleanup();
  }
}

/** The VM ID of the only VM of a machine. */
function vmidOf(sim: TestSim, machineName: string): number {
  const [vm] = sim.hypervisor.listVMs({ machineName });
  assert.ok(vm, `${machineName} has a VM`);
  return vm.vmid;
}

describe('simulated faults', () => {
  test('creation fails with the configured probability, creating nothing', async () => {
    const draws = [0.1, 0.9];
    await withCluster(
      { faults: { createFailureRate: 0.5 }, random: () => draws.shift() ?? 0.5 },
      async (sim, cp, provider) => {
        await assert.rejects(provider.reconcileMachine(cp), (err: unknown) => {
          assert.ok(err instanceof SimProviderError);
          assert.deepEqual([err.reason, err.retryable], ['CreateFailed', true]);
          assert.match(err.message, /probability 0\.5/);
          return true;
        });
        assert.equal(sim.hypervisor.listVMs().length, 0);
        assert.equal((await provider.reconcileMachine(cp)).state, 'Running');
      },
    );
  });

  test('creation fails for named machines until the fault is cleared', () =>
    withCluster({}, async (sim, cp, provider) => {
      for (const name of ['cp-1', 'team-a/cp-1']) {
        sim.hypervisor.setFaults({ failCreateFor: [name] });
        await assert.rejects(provider.reconcileMachine(cp), /injected for this machine/);
      }
      sim.hypervisor.setFaults({ failCreateFor: ['other/cp-1'] });
      assert.equal((await provider.reconcileMachine(cp)).state, 'Running');
      assert.throws(() => sim.hypervisor.setFaults({ createFailureRate: 2 }), /within 0 … 1/);
    }));

  test('a vanished VM takes its node and cluster; the next reconcile builds a new one', () =>
    withCluster({}, async (sim, cp, provider) => {
      const before = await provider.reconcileMachine(cp);
      await sim.hypervisor.vanishVM(vmidOf(sim, 'cp-1'));
      assert.equal(await provider.observeMachine(cp), undefined);
      assert.equal(sim.registry.getCluster(cluster), undefined);
      const after = await provider.reconcileMachine(cp);
      assert.equal(after.state, 'Running');
      assert.notEqual(after.providerID, before.providerID);
      assert.equal(sim.registry.node(cluster, 'cp-1')?.providerID, after.providerID);
    }));

  test('a stopped VM: node NotReady, observed Stopped; reconcile starts it again', () =>
    withCluster({ profile: 'default' }, async (sim, cp, provider) => {
      await provider.reconcileMachine(cp);
      await sim.clock.advance(11_000 + 2_200);
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, true);
      await sim.hypervisor.stopVM(vmidOf(sim, 'cp-1'));
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, false);
      const stopped = await provider.observeMachine(cp);
      assert.ok(stopped);
      assert.deepEqual([stopped.state, stopped.reason], ['Stopped', 'VMStopped']);
      assert.deepEqual(stopped.addresses, []);
      assert.equal((await provider.reconcileMachine(cp)).state, 'Starting');
      await sim.clock.advance(3_300);
      assert.equal((await provider.observeMachine(cp))?.state, 'Running');
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, false, 'K3s is still starting');
      await sim.clock.advance(2_200);
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, true);
      await assert.rejects(sim.hypervisor.stopVM(vmidOf(sim, 'cp-1') + 100), /does not exist/);
    }));

  test('a node NotReady fault lasts until recovery or a restart of the VM', () =>
    withCluster({}, async (sim, cp, provider) => {
      await provider.reconcileMachine(cp);
      const vmid = vmidOf(sim, 'cp-1');
      await sim.hypervisor.setNodeNotReady(vmid);
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, false);
      const obs = await provider.reconcileMachine(cp);
      assert.equal(obs.state, 'Running');
      assert.match(obs.message ?? '', /NotReady \(kubelet stopped posting status\)/);
      await sim.hypervisor.recoverNode(vmid);
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, true);
      await sim.hypervisor.setNodeNotReady(vmid);
      await sim.hypervisor.stopVM(vmid);
      await provider.reconcileMachine(cp);
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, true, 'a restart heals the kubelet');
    }));

  test('a broken VM is Failed with its reason, is not recreated, and can be deleted', () =>
    withCluster({}, async (sim, cp, provider) => {
      await provider.reconcileMachine(cp);
      await sim.hypervisor.failVM(vmidOf(sim, 'cp-1'), 'DiskLost', 'the VM disk is gone');
      const obs = await provider.reconcileMachine(cp);
      assert.deepEqual(
        [obs.state, obs.reason, obs.message],
        ['Failed', 'DiskLost', 'the VM disk is gone'],
      );
      assert.equal(sim.registry.node(cluster, 'cp-1')?.ready, false);
      assert.equal(sim.hypervisor.listVMs().length, 1);
      assert.equal((await provider.deleteMachine(cp)).gone, true);
    }));

  test('a failing registry call is reported and retried, never lost', async () => {
    const errors: unknown[] = [];
    class FlakyRegistry extends MemorySimClusterRegistry {
      failures = 1;
      override upsertNode(...args: Parameters<MemorySimClusterRegistry['upsertNode']>) {
        if (this.failures-- > 0) return Promise.reject(new Error('registry unavailable'));
        return super.upsertNode(...args);
      }
    }
    const registry = new FlakyRegistry();
    await withCluster({ registry, onError: (e) => errors.push(e) }, async (sim, cp, provider) => {
      const obs = await provider.reconcileMachine(cp);
      assert.equal(obs.state, 'Creating', 'the boot is retried, not skipped');
      assert.match(String(errors[0]), /registry unavailable/);
      await sim.clock.advance(1_000);
      assert.equal((await provider.observeMachine(cp))?.state, 'Running');
      assert.equal(registry.node(cluster, 'cp-1')?.ready, true);
    });
  });
});
