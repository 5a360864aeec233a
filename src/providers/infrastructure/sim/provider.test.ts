import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runInfrastructureConformance, type InfrastructureHarness } from '../conformance.ts';
import { createSimProvider } from './provider.ts';
import { SimProviderError } from './faults.ts';
import {
  bootstrapOf,
  k3sUserData,
  machineRequest,
  openTestSim,
  testClusterSecrets,
} from './test-support.ts';
import type { LatencyProfileName } from './latency.ts';

/** A harness whose machines boot as first servers of their own simulated clusters. */
async function simHarness(profile: LatencyProfileName): Promise<InfrastructureHarness> {
  const sim = await openTestSim({ profile });
  const secrets = testClusterSecrets();
  return {
    provider: createSimProvider(sim.hypervisor),
    credential: { ref: 'slipway-system/sim', config: {}, secret: {} },
    rejectedCredential: { ref: 'slipway-system/broken', config: { fail: true }, secret: {} },
    bootstrap: (hostname) =>
      bootstrapOf(
        k3sUserData({ hostname, role: 'server', token: secrets.token, pki: secrets.pki }),
        hostname,
      ),
    tick: () => sim.clock.advance(1_000),
    countMachines: () => Promise.resolve(sim.hypervisor.listVMs().length),
    injectFault: (request) => {
      sim.hypervisor.setFaults({ failCreateFor: [request.machineName] });
      return Promise.resolve();
    },
    restart: async () => createSimProvider(await sim.reopen()),
    cleanup: () => sim.cleanup(),
  };
}

describe('sim provider, zero latency', () => {
  runInfrastructureConformance({ newProvider: () => simHarness('zero'), maxPolls: 3 });
});

describe('sim provider, default latency on a manual clock', () => {
  runInfrastructureConformance({ newProvider: () => simHarness('default'), maxPolls: 40 });
});

describe('sim provider', () => {
  test('zero latency: one reconcile creates, boots and registers a Ready node', async () => {
    const sim = await openTestSim();
    try {
      const { token, pki } = testClusterSecrets();
      const user = k3sUserData({ hostname: 'demo-cp-1', role: 'server', token, pki });
      const obs = await createSimProvider(sim.hypervisor).reconcileMachine(
        machineRequest('demo-cp-1', bootstrapOf(user, 'demo-cp-1')),
      );
      assert.equal(obs.state, 'Running');
      assert.equal(obs.reason, 'VMRunning');
      assert.match(obs.providerID ?? '', /^sim:\/\/team-a\/demo-cp-1\/\d+$/);
      assert.deepEqual(obs.addresses, [
        { type: 'InternalIP', address: '10.77.0.1' },
        { type: 'Hostname', address: 'demo-cp-1' },
      ]);
      assert.equal(sim.registry.node('team-a/demo', 'demo-cp-1')?.ready, true);
    } finally {
      await sim.cleanup();
    }
  });

  test('checkCredential: ok, AuthenticationFailed, or an unknown latency profile', async () => {
    const sim = await openTestSim();
    try {
      const sim0 = createSimProvider(sim.hypervisor);
      const ok = await sim0.checkCredential({ ref: 'a/b', config: {}, secret: {} });
      assert.deepEqual([ok.ok, ok.reason], [true, 'CredentialValid']);
      const bad = await sim0.checkCredential({ ref: 'a/b', config: { fail: true }, secret: {} });
      assert.deepEqual([bad.ok, bad.reason], [false, 'AuthenticationFailed']);
      assert.match(bad.message, /a\/b/);
      const odd = await sim0.checkCredential({
        ref: 'a/b',
        config: { latencyProfile: 'warp' },
        secret: {},
      });
      assert.deepEqual([odd.ok, odd.reason], [false, 'InvalidSettings']);
    } finally {
      await sim.cleanup();
    }
  });

  test('calls with a failing credential throw AuthenticationFailed and create nothing', async () => {
    const sim = await openTestSim();
    try {
      const provider = createSimProvider(sim.hypervisor);
      const request = machineRequest('m1', bootstrapOf('#cloud-config\n', 'm1'), {
        credential: { ref: 'a/b', config: { fail: true }, secret: {} },
      });
      for (const call of [
        () => provider.reconcileMachine(request),
        () => provider.observeMachine(request),
        () => provider.deleteMachine(request),
        () => provider.inventory(request.credential),
      ]) {
        await assert.rejects(call, (err: unknown) => {
          assert.ok(err instanceof SimProviderError);
          assert.equal(err.reason, 'AuthenticationFailed');
          return true;
        });
      }
      assert.equal(sim.hypervisor.listVMs().length, 0);
    } finally {
      await sim.cleanup();
    }
  });

  test('settings.latencyProfile overrides the hypervisor default for that VM', async () => {
    const sim = await openTestSim({ profile: 'zero' });
    try {
      const provider = createSimProvider(sim.hypervisor);
      const request = machineRequest('m1', bootstrapOf('#cloud-config\n', 'm1'), {
        settings: { latencyProfile: 'fast' },
      });
      assert.equal((await provider.reconcileMachine(request)).state, 'Creating');
      await sim.clock.advance(1_500 * 1.2);
      assert.equal((await provider.reconcileMachine(request)).state, 'Running');
      const bad = machineRequest('m2', request.bootstrap, { settings: { latencyProfile: 'x' } });
      await assert.rejects(provider.reconcileMachine(bad), /unknown sim latency profile "x"/);
    } finally {
      await sim.cleanup();
    }
  });

  test('an aborted signal stops a call before it does anything', async () => {
    const sim = await openTestSim();
    try {
      const provider = createSimProvider(sim.hypervisor);
      const request = machineRequest('m1', bootstrapOf('#cloud-config\n', 'm1'));
      await assert.rejects(provider.reconcileMachine(request, AbortSignal.abort()), {
        name: 'AbortError',
      });
      assert.equal(sim.hypervisor.listVMs().length, 0);
    } finally {
      await sim.cleanup();
    }
  });
});
