// End to end on the simulated provider, with the real server process: clusters come up
// through the controllers, and a server killed with SIGKILL mid-provisioning resumes
// without duplicate or orphaned VMs.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSimClusterRegistry } from '../src/providers/infrastructure/sim/child-api/registry.ts';
import { openSimHypervisor } from '../src/providers/infrastructure/sim/hypervisor.ts';
import { cli, startServerProcess } from './support.ts';

interface Cluster {
  metadata: { name: string; generation: number };
  status?: {
    phase?: string;
    readyNodes?: string;
    observedGeneration?: number;
    conditions?: { type: string; status: string }[];
  };
}
interface Machine {
  metadata: { name: string; uid: string };
  spec: { clusterName: string };
}

const clusterCount = 10;

function clusterManifest(i: number): string {
  return [
    'apiVersion: slipway.dev/v1alpha1',
    'kind: ClusterDeployment',
    `metadata: { name: c${i}, namespace: default }`,
    'spec: { template: sim-k3s-single, credential: sim, config: { workersNumber: 2 } }',
  ].join('\n');
}

async function listJson<T>(env: Record<string, string>, kind: string): Promise<T[]> {
  const result = await cli(['get', kind, '-o', 'json'], env);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { items: T[] }).items;
}

function isReady(c: Cluster): boolean {
  return (
    c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true &&
    c.status.observedGeneration === c.metadata.generation
  );
}

test('SIGKILL while 10 clusters provision: after a restart all are Ready, one VM per machine', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-sigkill-'));
  try {
    const first = await startServerProcess(dataDir, ['--demo', '--sim-latency', 'fast']);
    const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    const env = {
      SLIPWAY_SERVER: first.url,
      SLIPWAY_TOKEN: token,
      SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true',
      SLIPWAY_CONFIG: '/nonexistent',
    };
    const manifests = Array.from({ length: clusterCount }, (_, i) => clusterManifest(i)).join(
      '\n---\n',
    );
    const applied = await cli(['apply', '-f', '-'], env, { stdin: manifests });
    assert.equal(applied.code, 0, applied.stderr);

    // Kill once provisioning is under way: some machines exist, not every cluster is Ready.
    for (let tries = 0; ; tries++) {
      const machines = await listJson<Machine>(env, 'machines');
      if (machines.length > 0) break;
      assert.ok(tries < 200, 'no Machine was created');
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = await listJson<Cluster>(env, 'clusterdeployments');
    assert.ok(
      before.some((c) => !isReady(c)),
      'killed too late: every cluster was Ready',
    );
    first.child.kill('SIGKILL');
    await first.stop();

    const second = await startServerProcess(dataDir, ['--sim-latency', 'fast']);
    const env2 = { ...env, SLIPWAY_SERVER: second.url };
    let machines: Machine[];
    try {
      for (let i = 0; i < clusterCount; i++) {
        const waited = await cli(
          ['wait', `clusterdeployment/c${i}`, '--for=condition=Ready', '--timeout=120s'],
          env2,
        );
        assert.equal(waited.code, 0, `c${i}: ${waited.stderr}`);
      }
      const clusters = await listJson<Cluster>(env2, 'clusterdeployments');
      assert.equal(clusters.length, clusterCount);
      for (const c of clusters) assert.equal(c.status?.readyNodes, '3/3', c.metadata.name);
      machines = await listJson<Machine>(env2, 'machines');
      assert.equal(machines.length, clusterCount * 3);
    } finally {
      assert.equal(await second.stop(), 0);
    }

    // With the server stopped, read the simulated hypervisor's disk: exactly one VM for
    // each Machine, and no VM that belongs to no Machine.
    const registry = openSimClusterRegistry({ dataDir });
    const hypervisor = await openSimHypervisor({ dataDir, registry, profile: 'zero' });
    try {
      const vms = hypervisor.listVMs();
      const byUid = new Map(machines.map((m) => [m.metadata.uid, m.metadata.name]));
      assert.equal(vms.length, machines.length, 'one VM per Machine');
      const seen = new Set<string>();
      for (const vm of vms) {
        assert.equal(byUid.get(vm.machineUID), vm.machineName, `orphaned VM ${vm.machineName}`);
        assert.ok(!seen.has(vm.machineUID), `two VMs for ${vm.machineName}`);
        seen.add(vm.machineUID);
      }
    } finally {
      await hypervisor.close();
      registry.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
