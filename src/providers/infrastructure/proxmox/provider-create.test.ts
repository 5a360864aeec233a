// Creating machines on the Proxmox emulator: placement, templates, the config a clone
// gets, static addresses by MAC, VMIDs and clone slots.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxmoxProviderError } from './errors.ts';
import { isRunning, startHarness } from './test-support.ts';

describe('Proxmox provider: creating machines', () => {
  test('three control planes land on three nodes; the clone is configured as asked', async () => {
    const h = await startHarness();
    try {
      const requests = ['cp-a', 'cp-b', 'cp-c'].map((name) =>
        h.request(name, {
          role: 'control-plane',
          settings: {
            template: { name: 'ubuntu-2404-k3s' },
            cores: 2,
            memoryMiB: 2048,
            balloonMiB: 1024,
            network: { bridge: 'vmbr0', vlan: 42 },
            stopGraceSec: 0,
          },
        }),
      );
      const results = await Promise.all(requests.map((r) => h.reconcileUntil(r, isRunning)));
      const vms = h.machineVMs();
      assert.equal(vms.length, 3);
      assert.deepEqual(new Set(vms.map((vm) => vm.node)).size, 3, 'one control plane per node');
      for (const [i, { obs, seen }] of results.entries()) {
        const vm = vms.find((v) => `proxmox://${v.vmid}` === obs.providerID);
        assert.ok(vm, `VM of ${requests[i]?.machineName}`);
        assert.equal(vm.name, requests[i]?.machineName);
        assert.deepEqual(
          [...vm.tags].sort(),
          ['cluster.default.demo', 'role.control-plane', 'slipway', 'slipway-template'].sort(),
        );
        assert.match(vm.config['description'] ?? '', new RegExp(requests[i]?.machineUID ?? ''));
        assert.equal(vm.config['cores'], '2');
        assert.equal(vm.config['balloon'], '1024');
        assert.match(vm.config['net0'] ?? '', /bridge=vmbr0,tag=42/);
        assert.match(vm.config['ide2'] ?? '', /^local:iso\/slipway-cp-.+\.iso,media=cdrom$/);
        assert.ok(
          !Object.values(vm.config).some((v) => v.includes('cloudinit')),
          'no Proxmox cloud-init drive beside the ISO',
        );
        assert.equal(obs.addresses[0]?.type, 'InternalIP');
        assert.equal(obs.addresses[0]?.address, vm.boot?.address);
        for (const step of ['CloningVM', 'UploadingBootstrapISO', 'ConfiguringVM', 'StartingVM']) {
          assert.ok(seen.includes(step), `${step} in ${seen.join(' → ')}`);
        }
      }
      assert.equal(h.emulator.isos().length, 3, 'one ISO per machine on its node');
    } finally {
      await h.close();
    }
  });

  test('a static address: the NIC gets the allocated MAC, the agent must report that address', async () => {
    const h = await startHarness();
    try {
      const mac = 'BC:24:11:AA:00:01';
      const req = h.request('static-1');
      const withNetwork = {
        ...req,
        network: { mode: 'static' as const, macAddress: mac, address: '127.0.31.7', prefix: 24 },
        bootstrap: {
          ...req.bootstrap,
          networkConfig: [
            'version: 2',
            'ethernets:',
            '  nic0:',
            `    match: { macaddress: "${mac.toLowerCase()}" }`,
            '    set-name: eth0',
            '    addresses: [127.0.31.7/24]',
            '',
          ].join('\n'),
        },
      };
      const { obs } = await h.reconcileUntil(withNetwork, isRunning);
      assert.equal(obs.addresses[0]?.address, '127.0.31.7');
      const vm = h.machineVMs()[0];
      assert.match(vm?.config['net0'] ?? '', new RegExp(`=${mac}`));
    } finally {
      await h.close();
    }
  });

  test('per-node template copies: each VM is cloned from the copy on its own node', async () => {
    const nodes = ['pve1', 'pve2'];
    const h = await startHarness({
      templates: nodes.map((node, i) => ({
        vmid: 9100 + i,
        name: 'golden',
        node,
        storage: 'local-lvm',
      })),
      settings: { template: { name: 'golden' }, memoryMiB: 1024, stopGraceSec: 0 },
    });
    try {
      const reqs = ['w1', 'w2'].map((n) => h.request(n));
      await Promise.all(reqs.map((r) => h.reconcileUntil(r, isRunning)));
      const vms = h.machineVMs();
      assert.deepEqual(vms.map((vm) => vm.node).sort(), nodes);
      for (const vm of vms) {
        assert.match(
          vm.config['scsi0'] ?? '',
          /^local-lvm:/,
          'a linked clone on the node-local copy',
        );
      }
    } finally {
      await h.close();
    }
  });

  test('two servers racing for /cluster/nextid never share a VMID; a vmidRange is kept to', async () => {
    const h = await startHarness();
    try {
      const other = h.restart();
      const settings = { template: { name: 'ubuntu-2404-k3s' }, memoryMiB: 512 };
      const reqs = Array.from({ length: 10 }, (_, i) => h.request(`race-${i}`, { settings }));
      const results = await Promise.all(
        reqs.map((r, i) =>
          h.reconcileUntil(r, (o) => o.providerID !== undefined, {
            provider: i % 2 === 0 ? h.provider : other,
          }),
        ),
      );
      const ids = results.map((r) => r.obs.providerID);
      assert.equal(new Set(ids).size, 10, `distinct VMIDs: ${ids.join(', ')}`);
      const ranged = h.request('ranged', {
        settings: { ...settings, vmidRange: { from: 5000, to: 5010 } },
      });
      const { obs } = await h.reconcileUntil(ranged, (o) => o.providerID !== undefined);
      assert.equal(obs.providerID, 'proxmox://5000');
      await h.emulator.settle();
      assert.equal(h.machineVMs().length, 11);
    } finally {
      await h.close();
    }
  });

  test('clones of one template wait for a slot', async () => {
    const h = await startHarness({ timing: { cloneMs: 400 } });
    try {
      const credential = {
        ...h.credential,
        config: { ...h.credential.config, clonesPerTemplate: 1 },
      };
      const reqs = ['s1', 's2', 's3'].map((n) => h.request(n, { credential }));
      const first = await Promise.all(reqs.map((r) => h.provider.reconcileMachine(r)));
      assert.deepEqual(
        first.map((o) => o.reason),
        ['CloningVM', 'WaitingForCloneSlot', 'WaitingForCloneSlot'],
      );
      assert.equal(first[1]?.providerID, undefined, 'no VM yet, no providerID');
      const done = await Promise.all(reqs.map((r) => h.reconcileUntil(r, isRunning)));
      assert.equal(new Set(done.map((d) => d.obs.providerID)).size, 3);
      assert.equal(h.machineVMs().length, 3);
    } finally {
      await h.close();
    }
  });

  test('the boot disk is grown to diskGiB; a smaller diskGiB fails the machine clearly', async () => {
    const h = await startHarness();
    try {
      const grown = h.request('grown', {
        settings: { template: { name: 'ubuntu-2404-k3s' }, memoryMiB: 1024, diskGiB: 40 },
      });
      const { seen } = await h.reconcileUntil(grown, isRunning);
      assert.ok(seen.includes('ResizingDisk'), seen.join(' → '));
      assert.match(h.machineVMs()[0]?.config['scsi0'] ?? '', /size=40G/);

      const small = h.request('small', {
        settings: { template: { name: 'ubuntu-2404-k3s' }, memoryMiB: 1024, diskGiB: 1 },
      });
      const { obs } = await h.reconcileUntil(small, (o) => o.state === 'Failed');
      assert.equal(obs.reason, 'DiskShrinkRejected');
      assert.match(obs.message ?? '', /larger than diskGiB 1/);
    } finally {
      await h.close();
    }
  });

  test('bad settings and an ambiguous template are errors that say what to fix', async () => {
    const h = await startHarness();
    try {
      await assert.rejects(
        h.provider.reconcileMachine(
          h.request('bad', { settings: { template: { vmid: 9000 }, network: { vlan: 0 } } }),
        ),
        (err: unknown) =>
          err instanceof ProxmoxProviderError &&
          err.reason === 'InvalidSettings' &&
          !err.retryable &&
          /network\.vlan/.test(err.message),
      );
      await assert.rejects(
        h.provider.reconcileMachine(
          h.request('amb', { settings: { template: { tags: ['slipway-template'] } } }),
        ),
        (err: unknown) => err instanceof ProxmoxProviderError && err.reason === 'AmbiguousTemplate',
      );
      assert.equal(h.machineVMs().length, 0);
    } finally {
      await h.close();
    }
  });
});
