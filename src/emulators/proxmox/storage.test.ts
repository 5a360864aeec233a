// ISO upload (multipart, task imgcopy) and deletion (task imgdel), with pve-storage's rules.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildNoCloudIso } from '../../providers/infrastructure/nocloud/index.ts';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { pve, pveData, waitTask } from './test-support.ts';

const iso = buildNoCloudIso({ userData: '#cloud-config\n', metaData: 'instance-id: a\n' });

function upload(
  emu: ProxmoxEmulator,
  storage: string,
  filename: string,
  fields: Record<string, string> = { content: 'iso' },
) {
  return pve(emu, 'POST', `/nodes/pve2/storage/${storage}/upload`, {
    multipart: { fields, file: { name: 'filename', filename, data: iso } },
  });
}

describe('emulator ISO storage', () => {
  let emu: ProxmoxEmulator;
  before(async () => {
    emu = await startProxmoxEmulator({ timing: { taskMs: 5 } });
  });
  after(async () => {
    emu.assertNoViolations();
    await emu.stop();
  });

  test("an upload is a task; the name is normalised; the file lands on that node's local storage", async () => {
    const answer = await upload(emu, 'local', 'seed for vm#7.iso');
    assert.equal(answer.status, 200);
    const upid = String(answer.body?.data);
    assert.match(
      upid,
      /^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgcopy::root@pam!slipway:$/,
    );
    const task = await waitTask(emu, upid);
    assert.equal(task.exitstatus, 'OK');
    assert.ok(task.log.includes('target file: /var/lib/vz/template/iso/seed_for_vm_7.iso'));
    assert.ok(task.log.includes(`file size is: ${iso.length}`));
    const content = await pveData<{ volid: string; size: number; format: string }[]>(
      emu,
      'GET',
      '/nodes/pve2/storage/local/content',
      {
        params: { content: 'iso' },
      },
    );
    assert.deepEqual(
      content.map((c) => [c.volid, c.size, c.format]),
      [['local:iso/seed_for_vm_7.iso', iso.length, 'iso']],
    );
    assert.deepEqual(
      await pveData(emu, 'GET', '/nodes/pve1/storage/local/content'),
      [],
      'local storage is per node',
    );
    assert.deepEqual(emu.isos(), [
      { storage: 'local', node: 'pve2', volid: 'local:iso/seed_for_vm_7.iso', size: iso.length },
    ]);
  });

  test('uploading the same name again overwrites silently; a checksum is verified', async () => {
    const again = await upload(emu, 'local', 'seed for vm#7.iso', {
      content: 'iso',
      checksum: '0'.repeat(64),
      'checksum-algorithm': 'sha256',
    });
    const failed = await waitTask(emu, String(again.body?.data));
    assert.match(
      failed.exitstatus ?? '',
      /^checksum mismatch: got '[0-9a-f]{64}' != expect '0{64}'$/,
    );
    const ok = await upload(emu, 'local', 'seed for vm#7.iso');
    assert.equal((await waitTask(emu, String(ok.body?.data))).exitstatus, 'OK');
    assert.equal(emu.isos().length, 1);
  });

  test('wrong extension, block storage and missing content type are refused', async () => {
    const extension = await upload(emu, 'local', 'seed.txt');
    assert.deepEqual(
      [extension.status, extension.body?.errors],
      [400, { filename: 'wrong file extension' }],
    );
    const lvm = await upload(emu, 'local-lvm', 'seed.iso');
    assert.deepEqual([lvm.status, lvm.reason], [500, "can't upload to storage type 'lvmthin'"]);
    const missing = await upload(emu, 'local', 'seed.iso', {});
    assert.equal(missing.status, 400);
    assert.ok(missing.body?.errors?.['content']);
    // The schema rejected it: recorded, and taken off the list so the suite's final check passes.
    assert.match(emu.violations.pop()?.problem ?? '', /^schema: .*content/);
  });

  test("delete is a task; deleting what is gone ends with a warning, as PVE's does", async () => {
    const volume = encodeURIComponent('local:iso/seed_for_vm_7.iso');
    const upid = await pveData<string>(
      emu,
      'DELETE',
      `/nodes/pve2/storage/local/content/${volume}`,
    );
    assert.match(upid, /:imgdel:local:root@pam!slipway:$/);
    const task = await waitTask(emu, upid);
    assert.equal(task.exitstatus, 'OK');
    assert.ok(task.log.includes("Removed volume 'local:iso/seed_for_vm_7.iso'"));
    assert.deepEqual(emu.isos(), []);
    const again = await waitTask(
      emu,
      await pveData<string>(emu, 'DELETE', `/nodes/pve2/storage/local/content/${volume}`),
    );
    assert.equal(again.exitstatus, 'WARNINGS: 1');
  });
});
