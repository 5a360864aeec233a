// A VM's life after its clone: config changes, resize, start, stop, delete, and what PVE
// refuses on the way.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { pve, pveData, waitTask } from './test-support.ts';

describe('emulator VM lifecycle', () => {
  let emu: ProxmoxEmulator;
  before(async () => {
    emu = await startProxmoxEmulator({
      timing: { cloneMs: 20, taskMs: 5, bootMs: 20, agentMs: 20 },
    });
    const answer = await pve(emu, 'POST', '/nodes/pve1/qemu/9001/clone', {
      params: { newid: 110, name: 'vm-110' },
    });
    await waitTask(emu, String(answer.body?.data));
  });
  after(async () => {
    emu.assertNoViolations();
    await emu.stop();
  });
  const base = '/nodes/pve1/qemu/110';

  test('POST config is a task; PUT config is immediate; the digest guards concurrent changes', async () => {
    const before = await pveData<Record<string, string>>(emu, 'GET', `${base}/config`);
    const upid = await pveData<string>(emu, 'POST', `${base}/config`, {
      params: {
        cores: 4,
        memory: '4096',
        tags: 'slipway;cluster-a',
        net0: 'virtio,bridge=vmbr0',
        description: 'a\nb',
      },
    });
    assert.equal((await waitTask(emu, upid)).exitstatus, 'OK');
    const after = await pveData<Record<string, unknown>>(emu, 'GET', `${base}/config`);
    assert.deepEqual(
      [after['cores'], after['memory'], after['tags'], after['description']],
      [4, '4096', 'slipway;cluster-a', 'a\nb'],
    );
    assert.match(
      String(after['net0']),
      /^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/,
      'a MAC is generated',
    );
    const stale = await pve(emu, 'PUT', `${base}/config`, {
      params: { name: 'renamed', digest: String(before['digest']) },
    });
    assert.deepEqual(
      [stale.status, stale.reason],
      [500, 'detected modified configuration - file changed by other user? Try again.'],
    );
    assert.equal(
      (
        await pve(emu, 'PUT', `${base}/config`, {
          params: { name: 'renamed', delete: 'description' },
        })
      ).status,
      200,
    );
    const renamed = await pveData<Record<string, unknown>>(emu, 'GET', `${base}/config`);
    assert.deepEqual([renamed['name'], renamed['description']], ['renamed', undefined]);
  });

  test('resize grows, never shrinks', async () => {
    const grow = await pveData<string>(emu, 'PUT', `${base}/resize`, {
      params: { disk: 'scsi0', size: '+2G' },
    });
    assert.equal((await waitTask(emu, grow)).exitstatus, 'OK');
    const config = await pveData<Record<string, string>>(emu, 'GET', `${base}/config`);
    assert.equal(config['scsi0'], 'local-lvm:base-9001-disk-0/vm-110-disk-0,size=12G');
    const shrink = await pveData<string>(emu, 'PUT', `${base}/resize`, {
      params: { disk: 'scsi0', size: '8G' },
    });
    assert.equal((await waitTask(emu, shrink)).exitstatus, 'shrinking disks is not supported');
  });

  test('start, status, stop; a running VM cannot be destroyed; a stopped one is, with its disks', async () => {
    const start = await pveData<string>(emu, 'POST', `${base}/status/start`);
    assert.equal((await waitTask(emu, start)).exitstatus, 'OK');
    const current = await pveData<Record<string, unknown>>(emu, 'GET', `${base}/status/current`);
    assert.deepEqual(
      [current['status'], current['qmpstatus'], current['agent']],
      ['running', 'running', 1],
    );
    const again = await pveData<string>(emu, 'POST', `${base}/status/start`);
    assert.equal((await waitTask(emu, again)).exitstatus, 'VM 110 already running');
    const destroyRunning = await pve(emu, 'DELETE', base);
    assert.deepEqual(
      [destroyRunning.status, destroyRunning.reason],
      [500, 'VM 110 is running - destroy failed'],
    );
    const stop = await pveData<string>(emu, 'POST', `${base}/status/stop`);
    assert.equal((await waitTask(emu, stop)).exitstatus, 'OK');
    const destroy = await pveData<string>(emu, 'DELETE', base, {
      params: { purge: 1, 'destroy-unreferenced-disks': 1 },
    });
    const task = await waitTask(emu, destroy);
    assert.equal(task.exitstatus, 'OK');
    assert.ok(task.log.includes('  Logical volume "vm-110-disk-0" successfully removed.'));
    const gone = await pve(emu, 'GET', `${base}/status/current`);
    assert.deepEqual(
      [gone.status, gone.reason],
      [500, "Configuration file 'nodes/pve1/qemu-server/110.conf' does not exist"],
    );
    const volumes = await pveData<{ volid: string }[]>(
      emu,
      'GET',
      '/nodes/pve1/storage/local-lvm/content',
    );
    assert.deepEqual(
      volumes.map((v) => v.volid),
      ['local-lvm:base-9001-disk-0'],
    );
  });

  test("a change during a clone waits for the clone's config lock, then applies", async () => {
    emu.faults.storageLockMs = 200;
    try {
      const upid = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
        params: { newid: 120 },
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(emu.vms().find((vm) => vm.vmid === 120)?.lock, 'clone');
      const started = Date.now();
      const put = await pve(emu, 'PUT', '/nodes/pve1/qemu/120/config', {
        params: { name: 'after-clone' },
      });
      assert.equal(put.status, 200);
      assert.ok(Date.now() - started >= 100, 'the PUT waited for the clone');
      assert.equal((await waitTask(emu, upid)).exitstatus, 'OK');
      const config = await pveData<Record<string, string>>(
        emu,
        'GET',
        '/nodes/pve1/qemu/120/config',
      );
      assert.deepEqual([config['name'], config['lock']], ['after-clone', undefined]);
    } finally {
      emu.faults.storageLockMs = 20;
    }
  });

  test('a lock left in the config (a crashed clone) refuses changes: "VM is locked (clone)"', async () => {
    emu.setLock(120, 'clone');
    const put = await pve(emu, 'PUT', '/nodes/pve1/qemu/120/config', { params: { name: 'x' } });
    assert.deepEqual([put.status, put.reason], [500, 'VM is locked (clone)']);
    const destroy = await waitTask(
      emu,
      await pveData<string>(emu, 'DELETE', '/nodes/pve1/qemu/120'),
    );
    assert.equal(destroy.exitstatus, 'VM is locked (clone)');
    const skip = await pve(emu, 'DELETE', '/nodes/pve1/qemu/120', { params: { skiplock: 1 } });
    assert.deepEqual(
      [skip.status, skip.body?.errors],
      [400, { skiplock: 'Only root may use this option.' }],
    );
    emu.setLock(120, undefined);
  });

  test("a template cannot start; a VM whose ISO is on another node's local storage cannot start", async () => {
    const template = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9000/status/start');
    assert.equal(
      (await waitTask(emu, template)).exitstatus,
      "you can't start a vm if it's a template",
    );
    const put = await pve(emu, 'PUT', '/nodes/pve1/qemu/120/config', {
      params: { ide2: 'local:iso/missing.iso,media=cdrom' },
    });
    assert.equal(put.status, 200);
    const start = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/120/status/start');
    assert.equal(
      (await waitTask(emu, start)).exitstatus,
      "volume 'local:iso/missing.iso' does not exist",
    );
  });
});
