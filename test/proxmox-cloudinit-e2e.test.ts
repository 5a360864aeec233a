// End to end on the Proxmox VE API emulator with bootstrapMode proxmox-cloudinit: the real
// server gives each VM Proxmox's cloud-init fields (ciuser, sshkeys, ipconfig0) and drive,
// then logs in over SSH with the credential's key and runs the K3s user-data through
// cloud-init. A 1 + 1 cluster gets Ready and is deleted without leftovers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ssh2 from 'ssh2';
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
  metadata: { name: string };
  status?: { addresses?: { type: string; address: string }[] };
}

/** The base manifests with the SSH login key added to the credential's Secret. */
function withLoginKey(manifests: string, privateKey: string): string {
  return manifests
    .split('\n---\n')
    .map((text) => {
      const doc = JSON.parse(text) as { kind: string; stringData?: Record<string, string> };
      if (doc.kind === 'Secret') doc.stringData = { ...doc.stringData, sshPrivateKey: privateKey };
      return JSON.stringify(doc);
    })
    .join('\n---\n');
}

test(
  'proxmox-cloudinit: 1 control plane + 1 worker Ready over SSH bootstrap, deleted cleanly',
  { timeout: 5 * 60_000 },
  async () => {
    const world = await startProxmoxWorld({
      timing: { cloneMs: 200, taskMs: 20, bootMs: 200, agentMs: 100 },
      guestAddresses: { dhcpRange: '127.0.73.10-127.0.73.250' },
    });
    const { emulator } = world;
    const login = ssh2.utils.generateKeyPairSync('ed25519');
    try {
      const base = proxmoxBaseManifests(emulator, {
        name: 'pve-k3s-ci',
        controlPlanes: 1,
        workers: 1,
        machine: { bootstrapMode: 'proxmox-cloudinit', ciUser: 'k3sadmin' },
      });
      await apply(
        world,
        [
          withLoginKey(base, login.private),
          ipPoolManifest('lab', '127.0.72.10-127.0.72.200'),
          clusterManifest('ci', 'pve-k3s-ci', { network: { ipPool: 'lab' } }),
        ].join('\n---\n'),
      );
      const seconds = await waitReady(world, 'ci');
      console.log(`proxmox-cloudinit e2e: 1+1 cluster Ready in ${seconds.toFixed(1)} s`);

      const vms = emulator.vms().filter((vm) => !vm.template);
      assert.equal(vms.length, 2);
      for (const vm of vms) {
        assert.equal(vm.config['ciuser'], 'k3sadmin');
        assert.match(String(vm.config['ipconfig0']), /^ip=127\.0\.72\.\d+\/24$/);
        assert.match(
          decodeURIComponent(String(vm.config['sshkeys'])),
          new RegExp(`^ssh-ed25519 ${login.public.split(' ')[1]?.replace(/[+/]/g, '\\$&')} `),
        );
        assert.equal(vm.boot?.cloudInit, 'done', `VM ${vm.vmid}: ${vm.boot?.message ?? ''}`);
      }
      assert.deepEqual(emulator.isos(), [], 'no NoCloud ISO in this mode');
      const machines = await listJson<Machine>(world, ['machines']);
      for (const m of machines) {
        const address = m.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
        assert.match(address, /^127\.0\.72\.\d+$/, `${m.metadata.name} has a pool address`);
      }
      const [child] = emulator.childClusters();
      assert.equal(child?.nodes.length, 2);
      assert.ok(
        child?.nodes.every((n) => n.ready),
        'both nodes Ready',
      );

      await deleteLeavingNothing(world, ['ci'], 120);
    } finally {
      await world.close();
    }
  },
);
