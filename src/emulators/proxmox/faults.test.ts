// Injected faults: 5xx before anything happens, slow answers, failing tasks that clean up
// as PVE's do, VMs stopped or vanishing behind the client's back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { pve, pveData, waitTask } from './test-support.ts';

describe('emulator faults', () => {
  let emu: ProxmoxEmulator;
  before(async () => {
    emu = await startProxmoxEmulator({
      timing: { cloneMs: 10, taskMs: 5, bootMs: 10, agentMs: 10 },
    });
  });
  after(async () => {
    emu.assertNoViolations();
    await emu.stop();
  });

  test('server errors come before anything is done', async () => {
    emu.faults.serverErrorRate = 1;
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const answer = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
          params: { newid: 170 },
        });
        statuses.add(answer.status);
      }
      assert.ok(
        [...statuses].every((s) => [500, 503, 595].includes(s)),
        [...statuses].join(','),
      );
      assert.ok(statuses.size > 1, 'more than one kind of error');
    } finally {
      emu.faults.serverErrorRate = 0;
    }
    assert.equal(
      emu.vms().some((vm) => vm.vmid === 170),
      false,
    );
  });

  test('slow answers take at least slowResponseMs', async () => {
    emu.faults.slowResponseMs = 120;
    try {
      const started = Date.now();
      await pveData(emu, 'GET', '/version');
      assert.ok(Date.now() - started >= 110);
    } finally {
      emu.faults.slowResponseMs = 0;
    }
  });

  test('failing clone and start tasks: a failed clone leaves no VM and no volume', async () => {
    emu.faults.taskFailureRate = 1;
    try {
      const clone = await waitTask(
        emu,
        await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9001/clone', {
          params: { newid: 171 },
        }),
      );
      assert.match(clone.exitstatus ?? '', /^clone failed: lvcreate 'pve\/vm-171-disk-0' error: /);
      assert.equal(
        emu.vms().some((vm) => vm.vmid === 171),
        false,
      );
      const volumes = await pveData<{ volid: string }[]>(
        emu,
        'GET',
        '/nodes/pve1/storage/local-lvm/content',
      );
      assert.equal(
        volumes.some((v) => v.volid.includes('vm-171')),
        false,
      );
      emu.faults.taskFailureRate = 0;
      await waitTask(
        emu,
        await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9001/clone', {
          params: { newid: 171 },
        }),
      );
      emu.faults.taskFailureRate = 1;
      const start = await waitTask(
        emu,
        await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/171/status/start'),
      );
      assert.equal(start.exitstatus, 'start failed: QEMU exited with code 1');
    } finally {
      emu.faults.taskFailureRate = 0;
    }
  });

  test("a VM stopped, then vanished, behind the client's back", async () => {
    await waitTask(emu, await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/171/status/start'));
    await emu.stopVM(171);
    const status = await pveData<{ status: string }>(
      emu,
      'GET',
      '/nodes/pve1/qemu/171/status/current',
    );
    assert.equal(status.status, 'stopped');
    await emu.vanishVM(171);
    const gone = await pve(emu, 'GET', '/nodes/pve1/qemu/171/config');
    assert.deepEqual(
      [gone.status, gone.reason],
      [500, "Configuration file 'nodes/pve1/qemu-server/171.conf' does not exist"],
    );
    const volumes = await pveData<{ volid: string }[]>(
      emu,
      'GET',
      '/nodes/pve1/storage/local-lvm/content',
    );
    assert.equal(
      volumes.some((v) => v.volid.includes('vm-171')),
      false,
    );
  });

  test('the guest agent: off, stopped, booting, then answering; exec with form-encoded argv', async () => {
    await waitTask(
      emu,
      await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9001/clone', { params: { newid: 172 } }),
    );
    const off = await pve(emu, 'PUT', '/nodes/pve1/qemu/172/config', { params: { agent: 0 } });
    assert.equal(off.status, 200);
    const noAgent = await pve(emu, 'POST', '/nodes/pve1/qemu/172/agent/ping');
    assert.deepEqual([noAgent.status, noAgent.reason], [500, 'No QEMU guest agent configured']);
    await pveData(emu, 'PUT', '/nodes/pve1/qemu/172/config', { params: { agent: 'enabled=1' } });
    const stopped = await pve(emu, 'POST', '/nodes/pve1/qemu/172/agent/ping');
    assert.deepEqual([stopped.status, stopped.reason], [500, 'VM 172 is not running']);
    await waitTask(emu, await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/172/status/start'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const exec = await pveData<{ pid: number }>(emu, 'POST', '/nodes/pve1/qemu/172/agent/exec', {
      params: { command: ['cloud-init', 'status'] },
    });
    const result = await pveData<{ exited: boolean; exitcode: number; 'out-data': string }>(
      emu,
      'GET',
      '/nodes/pve1/qemu/172/agent/exec-status',
      { params: { pid: exec.pid } },
    );
    assert.deepEqual(
      [result.exited, result.exitcode, result['out-data']],
      [true, 0, 'status: disabled\n'],
      'no seed ISO: cloud-init is disabled',
    );
  });
});
