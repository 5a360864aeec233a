// A machine's life after creation on the Proxmox emulator: drift, deletion, restarts in
// the middle of a clone, locks and faults, credentials and inventory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allPrivileges } from '../../../emulators/proxmox/privileges.ts';
import { pveData, waitTask } from '../../../emulators/proxmox/test-support.ts';
import { machineDescription } from './identity.ts';
import type { ProxmoxInventory } from './inventory.ts';
import { isRunning, startHarness } from './test-support.ts';

describe('Proxmox provider: a machine’s life', () => {
  test('delete stops and destroys the VM and removes its ISO; a foreign VM of that name is left alone', async () => {
    const h = await startHarness();
    try {
      const req = h.request('web-1');
      // Someone made a VM with the machine's name by hand.
      const upid = await pveData<string>(h.emulator, 'POST', '/nodes/pve1/qemu/9000/clone', {
        params: { newid: 700, name: 'web-1' },
      });
      await waitTask(h.emulator, upid);
      const { obs } = await h.reconcileUntil(req, isRunning);
      assert.notEqual(obs.providerID, 'proxmox://700', 'the foreign VM is not adopted');
      assert.equal(h.emulator.isos().length, 1);
      const steps = await h.deleteUntilGone(req);
      const reasons = steps.map((s) => s.reason);
      for (const reason of ['StoppingVM', 'DeletingVM', 'VMDeleted']) {
        assert.ok(reasons.includes(reason), `${reason} in ${reasons.join(', ')}`);
      }
      assert.deepEqual(
        h.machineVMs().map((vm) => vm.vmid),
        [700],
        'only the foreign VM is left',
      );
      assert.deepEqual(h.emulator.isos(), [], 'no ISO left');
      assert.equal(await h.provider.observeMachine(req), undefined);
      assert.equal((await h.provider.deleteMachine(req)).gone, true);
    } finally {
      await h.close();
    }
  });

  test('of two VMs with the machine’s uid (two servers raced), one is adopted, the other removed', async () => {
    const h = await startHarness();
    try {
      const req = h.request('twin');
      for (const newid of [600, 601]) {
        const upid = await pveData<string>(h.emulator, 'POST', '/nodes/pve1/qemu/9000/clone', {
          params: { newid, name: 'twin', description: machineDescription(req) },
        });
        await waitTask(h.emulator, upid);
      }
      const { obs } = await h.reconcileUntil(req, isRunning);
      assert.equal(obs.providerID, 'proxmox://600');
      await h.emulator.settle();
      assert.deepEqual(
        h.machineVMs().map((vm) => vm.vmid),
        [600],
      );
    } finally {
      await h.close();
    }
  });

  test('waitForCloudInit: Running only once cloud-init status says done', async () => {
    const h = await startHarness({ timing: { bootMs: 100, agentMs: 50 } });
    try {
      const req = h.request('ci', {
        settings: {
          template: { name: 'ubuntu-2404-k3s' },
          memoryMiB: 1024,
          waitForCloudInit: true,
        },
      });
      const { seen } = await h.reconcileUntil(req, isRunning);
      assert.ok(seen.includes('WaitingForCloudInit'), seen.join(' → '));
      assert.equal(h.machineVMs()[0]?.boot?.cloudInit, 'done');
    } finally {
      await h.close();
    }
  });

  test('a VM deleted behind Slipway’s back is gone; a stopped one is started again', async () => {
    const h = await startHarness();
    try {
      const req = h.request('drifty');
      const { obs } = await h.reconcileUntil(req, isRunning);
      const vmid = Number(obs.providerID?.split('//')[1]);
      await h.emulator.stopVM(vmid);
      assert.equal((await h.provider.observeMachine(req))?.state, 'Stopped');
      const again = await h.reconcileUntil(req, isRunning);
      assert.equal(again.obs.providerID, obs.providerID);
      await h.emulator.vanishVM(vmid);
      assert.equal(await h.provider.observeMachine(req), undefined);
      const recreated = await h.reconcileUntil(req, isRunning);
      // A new clone (Proxmox may hand out the freed VMID again).
      assert.ok(recreated.seen.includes('CloningVM'), recreated.seen.join(' → '));
      assert.equal(h.machineVMs().length, 1);
    } finally {
      await h.close();
    }
  });

  test('cores changed in Proxmox are reported, and put back with repairDrift', async () => {
    const h = await startHarness();
    try {
      const settings = { template: { name: 'ubuntu-2404-k3s' }, cores: 2, memoryMiB: 1024 };
      const req = h.request('cpu', { settings });
      const { obs } = await h.reconcileUntil(req, isRunning);
      const vm = h.machineVMs()[0];
      assert.ok(vm);
      await pveData(h.emulator, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, {
        params: { cores: 4 },
      });
      const reported = await h.provider.observeMachine(req);
      assert.equal(reported?.state, 'Running');
      assert.equal(reported?.reason, 'ConfigDrift');
      assert.match(reported?.message ?? '', /cores 4 \(wanted 2\)/);

      const repairing = { ...req, settings: { ...settings, repairDrift: true } };
      assert.equal((await h.provider.observeMachine(repairing))?.state, 'Starting');
      const { seen } = await h.reconcileUntil(repairing, (o) => o.reason === 'VMRunning');
      assert.ok(seen.includes('RepairingConfigDrift'), seen.join(' → '));
      assert.equal(h.machineVMs()[0]?.config['cores'], '2');
      assert.equal(
        (await h.provider.observeMachine(repairing))?.providerID,
        obs.providerID,
        'the same VM, repaired',
      );
    } finally {
      await h.close();
    }
  });

  test('a server restarted in the middle of a clone adopts the VM when the clone ends', async () => {
    const h = await startHarness({ timing: { cloneMs: 1_500 } });
    try {
      const req = h.request('slow');
      const first = await h.provider.reconcileMachine(req);
      assert.equal(first.reason, 'CloningVM');
      const restarted = h.restart();
      const during = await restarted.reconcileMachine(req);
      assert.equal(during.reason, 'WaitingForCloneTask');
      assert.equal(during.providerID, undefined);
      const deleting = await restarted.deleteMachine(h.request('other-machine'));
      assert.equal(deleting.gone, false, 'no machine counts as gone while an unknown clone runs');
      const { obs } = await h.reconcileUntil(req, isRunning, { provider: restarted });
      const vms = h.machineVMs();
      assert.equal(vms.length, 1, 'the clone started before the restart is the only VM');
      assert.equal(obs.providerID, `proxmox://${vms[0]?.vmid}`);
      assert.match(vms[0]?.config['description'] ?? '', new RegExp(req.machineUID));
    } finally {
      await h.close();
    }
  });

  test('storage locks longer than Proxmox waits: clones fail with StorageLocked and are retried', async () => {
    const h = await startHarness({
      timing: { lockWaitMs: 200 },
      faults: { storageLockMs: 500 },
    });
    try {
      const reqs = ['l1', 'l2', 'l3', 'l4'].map((n) => h.request(n));
      const results = await Promise.all(reqs.map((r) => h.reconcileUntil(r, isRunning)));
      const reasons = results.flatMap((r) =>
        r.errors.map((e) => (e as { reason?: string }).reason),
      );
      assert.ok(reasons.length > 0, 'some clone met a held lock');
      assert.ok(
        reasons.every((r) => r === 'StorageLocked' || r === 'ProxmoxTaskFailed'),
        reasons.join(', '),
      );
      assert.equal(h.machineVMs().length, 4);
    } finally {
      await h.close();
    }
  });

  test('with 10 % server errors and failing tasks, machines still come up and go away', async () => {
    const h = await startHarness({ faults: { serverErrorRate: 0.1, taskFailureRate: 0.2 } });
    try {
      const reqs = ['f1', 'f2', 'f3', 'f4', 'f5'].map((n) => h.request(n));
      await Promise.all(reqs.map((r) => h.reconcileUntil(r, isRunning, { timeoutMs: 40_000 })));
      assert.equal(h.machineVMs().length, 5);
      for (const r of reqs) await h.deleteUntilGone(r);
      h.emulator.faults.serverErrorRate = 0;
      h.emulator.faults.taskFailureRate = 0;
      await h.emulator.settle();
      assert.equal(h.machineVMs().length, 0);
      assert.deepEqual(h.emulator.isos(), []);
    } finally {
      await h.close();
    }
  });

  test('the credential check lists missing privileges; the inventory shows what forms need', async () => {
    const limited = { tokenId: 'slipway@pve!k8s', secret: '5d0c6f9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e' };
    const h = await startHarness({
      tokens: [
        { tokenId: 'root@pam!admin', secret: '0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b' },
        {
          ...limited,
          privileges: {
            '/': allPrivileges.filter(
              (p) => p !== 'VM.Clone' && p !== 'Datastore.AllocateTemplate',
            ),
          },
        },
      ],
    });
    try {
      const good = await h.provider.checkCredential(h.credential);
      assert.equal(good.ok, true, good.message);
      const check = await h.provider.checkCredential({
        ...h.credential,
        config: { ...h.credential.config, tokenId: limited.tokenId },
        secret: { tokenSecret: limited.secret },
      });
      assert.equal(check.ok, false);
      assert.equal(check.reason, 'MissingPrivileges');
      assert.match(check.message, /VM\.Clone \(clone the template\), Datastore\.AllocateTemplate/);
      const noSecret = await h.provider.checkCredential({ ...h.credential, secret: {} });
      assert.equal(noSecret.reason, 'InvalidCredential');
      assert.match(noSecret.message, /no tokenSecret/);

      const inventory = (await h.provider.inventory(h.credential)) as ProxmoxInventory;
      assert.deepEqual(
        inventory.nodes.map((n) => n.name),
        ['pve1', 'pve2', 'pve3'],
      );
      assert.ok(inventory.nodes.every((n) => (n.memoryFreeMiB ?? 0) > 0));
      const golden = inventory.templates.find((t) => t.id === '9000');
      assert.deepEqual(golden, {
        id: '9000',
        name: 'ubuntu-2404-k3s',
        node: 'pve1',
        tags: ['slipway-template'],
      });
      assert.ok(
        inventory.storages.some(
          (s) => s.name === 'shared' && s.shared && s.content.includes('iso'),
        ),
      );
      assert.ok(inventory.networks.some((n) => n.name === 'vmbr0'));
    } finally {
      await h.close();
    }
  });
});
