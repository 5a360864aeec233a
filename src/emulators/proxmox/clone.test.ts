// Clones as PVE runs them: tasks with UPIDs and logs, linked and full, the cross-node
// rules, the nextid race and storage lock contention.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  startProxmoxEmulator,
  type ProxmoxEmulator,
  type ProxmoxEmulatorOptions,
} from './emulator.ts';
import { pve, pveData, waitTask } from './test-support.ts';

async function withEmulator(
  options: ProxmoxEmulatorOptions,
  fn: (emu: ProxmoxEmulator) => Promise<void>,
) {
  const emu = await startProxmoxEmulator({
    ...options,
    timing: { cloneMs: 30, taskMs: 5, ...options.timing },
  });
  try {
    await fn(emu);
    emu.assertNoViolations();
  } finally {
    await emu.stop();
  }
}

async function clone(
  emu: ProxmoxEmulator,
  node: string,
  vmid: number,
  params: Record<string, string | number>,
) {
  return pve(emu, 'POST', `/nodes/${node}/qemu/${vmid}/clone`, { params });
}

describe('emulator clones', () => {
  test('a linked clone from shared storage to another node is a task; the VM is locked until it ends', () =>
    withEmulator({ timing: { cloneMs: 150 } }, async (emu) => {
      const started = await clone(emu, 'pve1', 9000, { newid: 101, name: 'web-1', target: 'pve2' });
      assert.equal(started.status, 200);
      const upid = String(started.body?.data);
      assert.match(
        upid,
        /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:root@pam!slipway:$/,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const during = emu.vms().find((vm) => vm.vmid === 101);
      assert.deepEqual(
        [during?.lock, during?.node],
        ['clone', 'pve1'],
        'the temporary config is on the source node',
      );
      const task = await waitTask(emu, upid);
      assert.equal(task.exitstatus, 'OK');
      assert.match(
        task.log[0] ?? '',
        /^create linked clone of drive scsi0 \(shared:9000\/base-9000-disk-0\.qcow2\)$/,
      );
      assert.equal(task.log.at(-1), 'TASK OK');
      const config = await pveData<Record<string, string>>(
        emu,
        'GET',
        '/nodes/pve2/qemu/101/config',
      );
      assert.equal(config['name'], 'web-1');
      assert.equal(
        config['scsi0'],
        'shared:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2,size=10G',
      );
      assert.equal(config['lock'], undefined);
      const template = await pveData<Record<string, string>>(
        emu,
        'GET',
        '/nodes/pve1/qemu/9000/config',
      );
      assert.notEqual(config['net0'], template['net0'], 'a clone gets a new MAC');
      assert.match(config['net0'] ?? '', /^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
    }));

  test('a full clone allocates on the named storage and copies', () =>
    withEmulator({}, async (emu) => {
      const answer = await clone(emu, 'pve1', 9001, {
        newid: 102,
        full: 1,
        storage: 'local-lvm',
        format: 'qcow2',
      });
      const task = await waitTask(emu, String(answer.body?.data));
      assert.equal(task.exitstatus, 'OK');
      assert.ok(task.log.includes('create full clone of drive scsi0 (local-lvm:base-9001-disk-0)'));
      assert.ok(task.log.includes('  Logical volume "vm-102-disk-0" created.'));
      assert.ok(task.log.some((l) => /^transferred 10\.0 GiB of 10\.0 GiB \(100\.00%\)$/.test(l)));
      const config = await pveData<Record<string, string>>(
        emu,
        'GET',
        '/nodes/pve1/qemu/102/config',
      );
      assert.equal(
        config['scsi0'],
        'local-lvm:vm-102-disk-0,size=10G',
        'LVM-thin stores raw whatever format was asked',
      );
      assert.equal(config['name'], 'Copy-of-VM-ubuntu-2404-k3s-pve1');
    }));

  test('what PVE refuses before forking is a 500 with its message', () =>
    withEmulator({}, async (emu) => {
      const cases: [string, number, Record<string, string | number>, string][] = [
        [
          'pve1',
          9001,
          { newid: 103, target: 'pve2' },
          "can't clone VM to node 'pve2' (VM uses local storage)",
        ],
        [
          'pve1',
          9001,
          { newid: 103, target: 'pve2', full: 1, storage: 'local-lvm' },
          "can't clone to non-shared storage 'local-lvm'",
        ],
        [
          'pve1',
          9000,
          { newid: 103, storage: 'shared' },
          "parameter 'storage' not allowed for linked clones",
        ],
        [
          'pve2',
          9000,
          { newid: 103 },
          "Configuration file 'nodes/pve2/qemu-server/9000.conf' does not exist",
        ],
        ['pve1', 9000, { newid: 9001 }, 'unable to create VM 9001: config file already exists'],
      ];
      for (const [node, vmid, params, message] of cases) {
        const answer = await clone(emu, node, vmid, params);
        assert.deepEqual(
          [answer.status, answer.reason, answer.body?.message],
          [500, message, `${message}\n`],
        );
      }
      const noImages = await clone(emu, 'pve1', 9000, { newid: 103, full: 1, storage: 'local' });
      assert.deepEqual(
        [noImages.status, noImages.body?.errors],
        [400, { storage: "storage 'local' does not support vm images" }],
      );
      assert.equal(
        emu.vms().some((vm) => vm.vmid === 103),
        false,
      );
    }));

  test('nextid reserves nothing: two clients racing for one id, one of them fails as PVE does', () =>
    withEmulator({ timing: { cloneMs: 100 } }, async (emu) => {
      const [a, b] = await Promise.all([
        pveData<string>(emu, 'GET', '/cluster/nextid'),
        pveData<string>(emu, 'GET', '/cluster/nextid'),
      ]);
      assert.equal(a, '100');
      assert.equal(b, '100');
      const answers = await Promise.all([
        clone(emu, 'pve1', 9000, { newid: a }),
        clone(emu, 'pve1', 9000, { newid: b }),
      ]);
      const outcomes = await Promise.all(
        answers.map(async (answer) =>
          answer.status === 200
            ? ((await waitTask(emu, String(answer.body?.data))).exitstatus ?? '')
            : (answer.body?.message ?? '').trim(),
        ),
      );
      assert.equal(outcomes.filter((o) => o === 'OK').length, 1);
      assert.match(
        outcomes.find((o) => o !== 'OK') ?? '',
        /^(unable to create VM 100: config file already exists|can't lock file '\/var\/lock\/qemu-server\/lock-100\.conf' - got timeout)$/,
      );
      assert.equal(await pveData<string>(emu, 'GET', '/cluster/nextid'), '101');
      const taken = await pve(emu, 'GET', '/cluster/nextid', { params: { vmid: 100 } });
      assert.deepEqual(
        [taken.status, taken.body?.errors],
        [400, { vmid: 'VM 100 already exists' }],
      );
      assert.equal(emu.vms().filter((vm) => !vm.template).length, 1);
    }));

  test('a clone waiting for a locked storage longer than the lock timeout fails with the lock message', () =>
    withEmulator({ faults: { storageLockMs: 400 }, timing: { lockWaitMs: 100 } }, async (emu) => {
      const first = await clone(emu, 'pve1', 9001, { newid: 201 });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const second = await clone(emu, 'pve1', 9001, { newid: 202 });
      const [one, two] = await Promise.all([
        waitTask(emu, String(first.body?.data)),
        waitTask(emu, String(second.body?.data)),
      ]);
      assert.equal(one.exitstatus, 'OK');
      assert.equal(
        two.exitstatus,
        "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      );
      assert.ok(two.log.includes('trying to acquire lock...'));
      assert.deepEqual(
        emu
          .vms()
          .filter((vm) => !vm.template)
          .map((vm) => vm.vmid),
        [201],
        'a failed clone leaves no VM',
      );
    }));

  test('a clone that waits less than the lock timeout gets the lock and succeeds', () =>
    withEmulator({ faults: { storageLockMs: 100 }, timing: { lockWaitMs: 2000 } }, async (emu) => {
      const upids = await Promise.all(
        [301, 302].map(async (newid) =>
          String((await clone(emu, 'pve1', 9001, { newid })).body?.data),
        ),
      );
      const tasks = await Promise.all(upids.map((upid) => waitTask(emu, upid)));
      assert.deepEqual(
        tasks.map((t) => t.exitstatus),
        ['OK', 'OK'],
      );
      assert.ok(tasks.some((t) => t.log.includes('trying to acquire lock... OK')));
    }));

  test("on shared storage the lock is pmxcfs's, with its message", () =>
    withEmulator({ faults: { storageLockMs: 300 }, timing: { lockWaitMs: 50 } }, async (emu) => {
      const first = await clone(emu, 'pve1', 9000, { newid: 401 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await clone(emu, 'pve1', 9000, { newid: 402 });
      const two = await waitTask(emu, String(second.body?.data));
      await waitTask(emu, String(first.body?.data));
      assert.equal(
        two.exitstatus,
        "clone failed: cfs-lock 'storage-shared' error: got lock request timeout",
      );
    }));

  test('stopping a running clone task ends it "interrupted by signal", leaving nothing behind', () =>
    withEmulator({ timing: { cloneMs: 2000 } }, async (emu) => {
      const upid = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9001/clone', {
        params: { newid: 501 },
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(emu.vms().find((vm) => vm.vmid === 501)?.lock, 'clone');
      assert.equal(
        await pveData(emu, 'DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`),
        null,
      );
      const task = await waitTask(emu, upid);
      assert.equal(task.exitstatus, 'clone failed: interrupted by signal');
      assert.equal(
        emu.vms().some((vm) => vm.vmid === 501),
        false,
      );
      const volumes = await pveData<{ volid: string }[]>(
        emu,
        'GET',
        '/nodes/pve1/storage/local-lvm/content',
      );
      assert.equal(
        volumes.some((v) => v.volid.includes('vm-501')),
        false,
      );
    }));

  test('local storages lock per node: clones on two nodes do not wait for each other', () =>
    withEmulator({ faults: { storageLockMs: 300 }, timing: { lockWaitMs: 100 } }, async (emu) => {
      const upids = await Promise.all(
        [
          ['pve1', 9001, 601],
          ['pve2', 9002, 602],
        ].map(async ([node, vmid, newid]) =>
          pveData<string>(emu, 'POST', `/nodes/${node}/qemu/${vmid}/clone`, {
            params: { newid: newid ?? 0 },
          }),
        ),
      );
      const tasks = await Promise.all(upids.map((upid) => waitTask(emu, upid)));
      assert.deepEqual(
        tasks.map((t) => t.exitstatus),
        ['OK', 'OK'],
      );
    }));
});
