// End to end on the Proxmox VE API emulator with the real server: an HA cluster across
// three nodes comes up, scales and goes away without leaving a VM, an ISO or an address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli } from './support.ts';
import {
  apply,
  clusterManifest,
  deleteLeavingNothing,
  eventually,
  ipPoolManifest,
  listJson,
  proxmoxBaseManifests,
  startProxmoxWorld,
  waitReady,
} from './proxmox-support.ts';

interface Cluster {
  status?: { readyNodes?: string };
}
interface Machine {
  metadata: { name: string };
  spec: { role: string };
  status?: { providerID?: string; addresses?: { type: string; address: string }[] };
}

test(
  '3 control planes + 5 workers across 3 nodes: Ready, scaled, deleted without leftovers',
  { timeout: 10 * 60_000 },
  async () => {
    const world = await startProxmoxWorld({
      timing: { cloneMs: 500, taskMs: 50, bootMs: 500, agentMs: 300 },
      guestAddresses: { dhcpRange: '127.0.41.10-127.0.41.250' },
    });
    const { emulator } = world;
    try {
      await apply(
        world,
        [
          proxmoxBaseManifests(emulator, { name: 'pve-k3s-ha', controlPlanes: 3, workers: 5 }),
          ipPoolManifest('lab', '127.0.40.10-127.0.40.200'),
          clusterManifest('web', 'pve-k3s-ha', { network: { ipPool: 'lab' } }),
        ].join('\n---\n'),
      );
      const seconds = await waitReady(world, 'web');
      console.log(`proxmox e2e: 3+5 cluster Ready in ${seconds.toFixed(1)} s`);

      const vms = emulator.vms().filter((vm) => !vm.template);
      assert.equal(vms.length, 8);
      const machines = await listJson<Machine>(world, ['machines']);
      assert.equal(machines.length, 8);
      const cpNodes = machines
        .filter((m) => m.spec.role === 'control-plane')
        .map((m) => vms.find((vm) => `proxmox://${vm.vmid}` === m.status?.providerID)?.node);
      assert.equal(new Set(cpNodes).size, 3, `control planes on ${cpNodes.join(', ')}`);
      assert.equal(new Set(vms.map((vm) => vm.node)).size, 3, 'VMs on all three nodes');
      for (const m of machines) {
        const address = m.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
        assert.match(address, /^127\.0\.40\.\d+$/, `${m.metadata.name} has a pool address`);
      }
      const [child] = emulator.childClusters();
      assert.equal(child?.nodes.length, 8);
      assert.ok(
        child?.nodes.every((n) => n.ready),
        'every child node Ready',
      );
      assert.equal(emulator.isos().length, 8);

      const scaled = await cli(['scale', 'cluster', 'web', '--workers', '2'], world.env);
      assert.equal(scaled.code, 0, scaled.stderr);
      await eventually('the cluster has 5 VMs and 5/5 ready nodes', async () => {
        const [cluster] = await listJson<Cluster>(world, ['clusterdeployments']);
        return (
          cluster?.status?.readyNodes === '5/5' &&
          emulator.vms().filter((vm) => !vm.template).length === 5
        );
      });
      await waitReady(world, 'web');
      assert.equal(emulator.isos().length, 5, 'scaled-down machines took their ISOs along');

      await deleteLeavingNothing(world, ['web'], 180);
    } finally {
      await world.close();
    }
  },
);
