// End to end on the Proxmox emulator when Proxmox misbehaves: 10 % of API calls answer
// 5xx and tasks fail at random, and the server is killed with SIGKILL while clones run.
// Everything converges: clusters Ready, one VM per machine, nothing left after delete.
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
  type ProxmoxWorld,
} from './proxmox-support.ts';

interface Machine {
  metadata: { name: string; uid: string };
  status?: { providerID?: string };
}

/** Every VM belongs to exactly one Machine and every Machine has its VM. */
async function assertOneVMPerMachine(world: ProxmoxWorld): Promise<void> {
  const machines = await listJson<Machine>(world, ['machines']);
  const vms = world.emulator.vms().filter((vm) => !vm.template);
  assert.equal(vms.length, machines.length, 'as many VMs as Machines');
  for (const vm of vms) {
    const owners = machines.filter((m) => vm.config['description']?.includes(m.metadata.uid));
    assert.equal(owners.length, 1, `VM ${vm.vmid} (${vm.name}) has one owning Machine`);
    assert.equal(owners[0]?.status?.providerID, `proxmox://${vm.vmid}`);
  }
}

test(
  '10 % server errors and failing tasks: two clusters converge, scale and go',
  { timeout: 10 * 60_000 },
  async () => {
    const world = await startProxmoxWorld({
      timing: { cloneMs: 300, taskMs: 50, bootMs: 300, agentMs: 200 },
      faults: { serverErrorRate: 0.1, taskFailureRate: 0.1 },
      guestAddresses: { dhcpRange: '127.0.61.10-127.0.61.250' },
    });
    try {
      await apply(
        world,
        [
          proxmoxBaseManifests(world.emulator, { name: 'pve-k3s', controlPlanes: 1, workers: 2 }),
          ipPoolManifest('faulty', '127.0.60.10-127.0.60.250'),
          clusterManifest('f1', 'pve-k3s', { network: { ipPool: 'faulty' } }),
          clusterManifest('f2', 'pve-k3s', { network: { ipPool: 'faulty' } }),
        ].join('\n---\n'),
      );
      const seconds = await waitReady(world, 'f1', 300);
      await waitReady(world, 'f2', 300);
      console.log(
        `proxmox faults: 2 clusters of 1+2 Ready in ${seconds.toFixed(1)} s under 10 % errors`,
      );
      const failures = world.emulator.requests.filter((r) => r.status >= 500).length;
      assert.ok(failures > 0, 'faults were injected');
      await assertOneVMPerMachine(world);

      const scaled = await cli(['scale', 'cluster', 'f1', '--workers', '3'], world.env);
      assert.equal(scaled.code, 0, scaled.stderr);
      await eventually(
        'f1 has 4 machines',
        async () => (await listJson<Machine>(world, ['machines'])).length === 7,
      );
      await waitReady(world, 'f1', 300);
      await assertOneVMPerMachine(world);
      await deleteLeavingNothing(world, ['f1', 'f2']);
      world.emulator.assertNoViolations();
    } finally {
      await world.close();
    }
  },
);

test(
  'SIGKILL while clones run: after a restart no VM is orphaned or doubled',
  { timeout: 10 * 60_000 },
  async () => {
    const world = await startProxmoxWorld({
      timing: { cloneMs: 3_000, taskMs: 50, bootMs: 300, agentMs: 200 },
      guestAddresses: { dhcpRange: '127.0.63.10-127.0.63.250' },
    });
    try {
      await apply(
        world,
        [
          proxmoxBaseManifests(world.emulator, { name: 'pve-k3s', controlPlanes: 1, workers: 1 }),
          ipPoolManifest('crash', '127.0.62.10-127.0.62.250'),
          ...['k1', 'k2', 'k3'].map((n) =>
            clusterManifest(n, 'pve-k3s', { network: { ipPool: 'crash' } }),
          ),
        ].join('\n---\n'),
      );
      await eventually(
        'a clone is running',
        () => world.emulator.vms().some((vm) => vm.lock === 'clone'),
        60_000,
      );
      world.server.child.kill('SIGKILL');
      await world.server.stop();
      const cloning = world.emulator.vms().filter((vm) => vm.lock === 'clone').length;
      assert.ok(cloning > 0, 'killed while a clone ran');

      await world.restartServer();
      for (const name of ['k1', 'k2', 'k3']) await waitReady(world, name, 300);
      await assertOneVMPerMachine(world);
      await deleteLeavingNothing(world, ['k1', 'k2', 'k3']);
      world.emulator.assertNoViolations();
    } finally {
      await world.close();
    }
  },
);
