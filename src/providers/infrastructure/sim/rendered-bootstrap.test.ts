// Integration: user-data rendered by the real K3s bootstrap provider boots on the sim,
// so the two agree on config.yaml, CA files, tokens, the installer and the endpoint.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createK3sBootstrapProvider } from '../../bootstrap/k3s/index.ts';
import type { ClusterSecretsData, MachineBootstrapInput } from '../../bootstrap/types.ts';
import { simEndpointFor } from './endpoint.ts';
import { createSimProvider } from './provider.ts';
import { machineRequest, openTestSim, type TestSim } from './test-support.ts';

const k3s = createK3sBootstrapProvider({ now: () => new Date('2026-01-01T00:00:00Z') });
const endpoint = simEndpointFor('team-a', 'demo', 'https://127.0.0.1:7443');
const cluster = 'team-a/demo';

async function render(
  machineName: string,
  role: MachineBootstrapInput['role'],
  initialize: boolean,
  secrets: ClusterSecretsData,
  extra: Partial<MachineBootstrapInput> = {},
) {
  return k3s.renderMachineBootstrap({
    clusterName: 'demo',
    namespace: 'team-a',
    machineName,
    machineUID: `uid-${machineName}`,
    role,
    initialize,
    version: 'v1.31.4+k3s1',
    endpoint,
    secrets,
    values: {},
    ...extra,
  });
}

async function withSim(fn: (sim: TestSim) => Promise<void>): Promise<void> {
  const sim = await openTestSim();
  try {
    await fn(sim);
  } finally {
    await sim.cleanup();
  }
}

describe('sim boots what the K3s bootstrap provider renders', () => {
  test('first server, joining server and agent form one cluster', () =>
    withSim(async (sim) => {
      const secrets = await k3s.generateClusterSecrets({
        clusterName: 'demo',
        namespace: 'team-a',
      });
      const provider = createSimProvider(sim.hypervisor);
      const machines = [
        ['demo-cp-1', 'control-plane', true],
        ['demo-cp-2', 'control-plane', false],
        ['demo-md-1', 'worker', false],
      ] as const;
      for (const [name, role, initialize] of machines) {
        const bootstrap = await render(name, role, initialize, secrets);
        const obs = await provider.reconcileMachine(machineRequest(name, bootstrap, { role }));
        assert.deepEqual([obs.state, obs.reason], ['Running', 'VMRunning'], obs.message);
      }
      const init = sim.registry.getCluster(cluster);
      assert.ok(init, 'the cluster id comes from the rendered tls-san / server URL');
      assert.equal(init.serverCA.cert, secrets.pki['server-ca.crt']);
      assert.equal(init.clientCA.cert, secrets.pki['client-ca.crt']);
      assert.equal(init.version, 'v1.31.4+k3s1');
      const nodes = sim.registry.listNodes(cluster);
      assert.deepEqual(
        nodes.map((n) => [n.name, n.role, n.ready, n.kubeletVersion]),
        [
          ['demo-cp-1', 'control-plane', true, 'v1.31.4+k3s1'],
          ['demo-cp-2', 'control-plane', true, 'v1.31.4+k3s1'],
          ['demo-md-1', 'worker', true, 'v1.31.4+k3s1'],
        ],
      );
    }));

  test('a static address from the rendered network-config becomes the node IP', () =>
    withSim(async (sim) => {
      const secrets = await k3s.generateClusterSecrets({
        clusterName: 'demo',
        namespace: 'team-a',
      });
      const bootstrap = await render('demo-cp-1', 'control-plane', true, secrets, {
        network: { address: '192.168.60.10', prefix: 24, gateway: '192.168.60.1' },
      });
      const obs = await createSimProvider(sim.hypervisor).reconcileMachine(
        machineRequest('demo-cp-1', bootstrap),
      );
      assert.deepEqual(obs.addresses[0], { type: 'InternalIP', address: '192.168.60.10' });
      assert.equal(sim.registry.node(cluster, 'demo-cp-1')?.internalIP, '192.168.60.10');
    }));

  test("a node rendered with another cluster's token fails the join", () =>
    withSim(async (sim) => {
      const secrets = await k3s.generateClusterSecrets({
        clusterName: 'demo',
        namespace: 'team-a',
      });
      const other = await k3s.generateClusterSecrets({ clusterName: 'demo', namespace: 'team-a' });
      const provider = createSimProvider(sim.hypervisor);
      await provider.reconcileMachine(
        machineRequest('demo-cp-1', await render('demo-cp-1', 'control-plane', true, secrets)),
      );
      const obs = await provider.reconcileMachine(
        machineRequest('demo-md-1', await render('demo-md-1', 'worker', false, other), {
          role: 'worker',
        }),
      );
      assert.deepEqual([obs.state, obs.reason], ['Running', 'JoinFailed']);
      assert.match(
        obs.message ?? '',
        /token CA hash does not match the Cluster CA certificate hash/,
      );
      assert.equal(sim.registry.node(cluster, 'demo-md-1'), undefined);
    }));
});
