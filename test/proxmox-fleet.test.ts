// Twenty clusters created at once on the Proxmox emulator while every clone holds its
// storage's lock for 10 s (Proxmox's own lock wait is 10 s too, so a clone queued behind
// two others fails with "can't lock file" and is retried): all become Ready, each
// machine has exactly one VM with its own VMID, and deleting them leaves nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apply,
  clusterManifest,
  deleteLeavingNothing,
  ipPoolManifest,
  listJson,
  proxmoxBaseManifests,
  startProxmoxWorld,
  waitReady,
} from './proxmox-support.ts';

interface Machine {
  metadata: { name: string; uid: string };
  status?: { providerID?: string };
}

const clusters = 20;
const nodes = ['pve1', 'pve2', 'pve3'];

test(
  '20 clusters at once under 10 s storage locks: all Ready, one VM and one VMID per machine, nothing left',
  { timeout: 15 * 60_000 },
  async () => {
    const world = await startProxmoxWorld({
      // One node-local storage per node, with a template copy on each: three lock domains.
      storages: [
        { id: 'local', type: 'dir', content: ['iso'], shared: false },
        ...nodes.map((node) => ({
          id: `lvm-${node}`,
          type: 'lvmthin' as const,
          content: ['images'],
          shared: false,
          nodes: [node],
        })),
      ],
      templates: nodes.map((node, i) => ({
        vmid: 9000 + i,
        name: 'golden',
        node,
        storage: `lvm-${node}`,
      })),
      timing: { cloneMs: 500, taskMs: 50, bootMs: 500, agentMs: 300, lockWaitMs: 10_000 },
      faults: { storageLockMs: 10_000 },
      guestAddresses: { dhcpRange: '127.0.51.10-127.0.51.250' },
      requestLogSize: 500_000,
    });
    const { emulator } = world;
    try {
      await apply(
        world,
        [
          proxmoxBaseManifests(emulator, {
            name: 'pve-k3s-single',
            controlPlanes: 1,
            workers: 0,
            machine: { template: { name: 'golden' }, memoryMiB: 1024 },
            // Three clones per template: the third waits behind two 10 s locks and fails.
            credentialConfig: { clonesPerTemplate: 3 },
          }),
          ipPoolManifest('fleet', '127.0.50.10-127.0.50.250'),
        ].join('\n---\n'),
      );
      const started = Date.now();
      await apply(
        world,
        Array.from({ length: clusters }, (_, i) =>
          clusterManifest(`c${i}`, 'pve-k3s-single', { network: { ipPool: 'fleet' } }),
        ).join('\n---\n'),
      );
      for (let i = 0; i < clusters; i++) await waitReady(world, `c${i}`, 600);
      const seconds = (Date.now() - started) / 1000;
      console.log(`proxmox fleet: ${clusters} clusters Ready in ${seconds.toFixed(1)} s`);

      const clonePosts = emulator.requests.filter(
        (r) => r.method === 'POST' && /^\/nodes\/[^/]+\/qemu\/\d+\/clone$/.test(r.path),
      ).length;
      console.log(
        `proxmox fleet: ${clonePosts} clone calls for ${clusters} VMs (the rest lost a lock or a VMID race)`,
      );
      assert.ok(clonePosts > clusters, 'storage-lock contention made some clones fail and retry');
      const machines = await listJson<Machine>(world, ['machines']);
      const vms = emulator.vms().filter((vm) => !vm.template);
      assert.equal(machines.length, clusters);
      assert.equal(vms.length, clusters, 'one VM per machine');
      const ids = machines.map((m) => m.status?.providerID);
      assert.equal(new Set(ids).size, clusters, `one VMID per machine: ${ids.join(', ')}`);
      for (const vm of vms) {
        const owner = machines.find((m) => vm.config['description']?.includes(m.metadata.uid));
        assert.ok(owner, `VM ${vm.vmid} belongs to a Machine`);
        assert.equal(owner.status?.providerID, `proxmox://${vm.vmid}`);
      }
      await deleteLeavingNothing(
        world,
        Array.from({ length: clusters }, (_, i) => `c${i}`),
        600,
      );
    } finally {
      await world.close();
    }
  },
);
