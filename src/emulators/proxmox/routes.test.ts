// Every method the emulator implements answers in the shape the schema's `returns` says
// (checked by the emulator itself on every answer; a mismatch is a violation).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildNoCloudIso } from '../../providers/infrastructure/nocloud/index.ts';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { emulatorRoutes } from './routes.ts';
import { pve, pveData, waitTask, type PveCall } from './test-support.ts';

describe('emulator answers match the schema', () => {
  let emu: ProxmoxEmulator;
  let upid: string;
  before(async () => {
    emu = await startProxmoxEmulator({
      timing: { cloneMs: 5, taskMs: 5, bootMs: 5, agentMs: 5 },
      guestAddresses: { dhcpRange: '127.0.34.10-127.0.34.20' },
    });
    upid = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9001/clone', {
      params: { newid: 180 },
    });
    await waitTask(emu, upid);
    const iso = buildNoCloudIso({
      userData: '#cloud-config\nhostname: h180\n',
      metaData: 'instance-id: i-180\n',
    });
    const upload = await pve(emu, 'POST', '/nodes/pve1/storage/local/upload', {
      multipart: {
        fields: { content: 'iso' },
        file: { name: 'filename', filename: 'seed-180.iso', data: iso },
      },
    });
    await waitTask(emu, String(upload.body?.data));
  });
  after(() => emu.stop());

  test('every implemented method, called with valid parameters, answers without a violation', async () => {
    const vm = '/nodes/pve1/qemu/180';
    const calls: [string, string, PveCall?][] = [
      ['GET', '/version'],
      ['GET', '/access/ticket'],
      ['GET', '/access/permissions', { params: { path: '/vms/180' } }],
      ['GET', '/cluster/nextid'],
      ['GET', '/cluster/resources'],
      ['GET', '/cluster/resources', { params: { type: 'storage' } }],
      ['GET', '/cluster/status'],
      ['GET', '/pools'],
      ['GET', '/nodes'],
      ['GET', '/nodes/pve1/status'],
      ['GET', '/nodes/pve1/network', { params: { type: 'bridge' } }],
      ['GET', '/nodes/pve1/storage', { params: { content: 'images' } }],
      ['GET', '/nodes/pve1/storage/local-lvm/status'],
      ['GET', '/nodes/pve1/storage/local/content'],
      ['GET', `/nodes/pve1/storage/local/content/${encodeURIComponent('local:iso/seed-180.iso')}`],
      ['GET', '/nodes/pve1/tasks', { params: { vmid: 180 } }],
      ['GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`],
      ['GET', '/nodes/pve1/qemu'],
      ['GET', '/nodes/pve1/qemu', { params: { full: 1 } }],
      ['GET', vm],
      ['GET', `${vm}/config`],
      ['GET', `${vm}/pending`],
      [
        'PUT',
        `${vm}/config`,
        { params: { ide0: 'local:iso/seed-180.iso,media=cdrom', onboot: 1 } },
      ],
      ['POST', `${vm}/config`, { params: { sockets: 1 } }],
      ['PUT', `${vm}/resize`, { params: { disk: 'scsi0', size: '+1G' } }],
      ['POST', `${vm}/status/start`],
      ['GET', `${vm}/status/current`],
      ['POST', `${vm}/agent/ping`],
      ['GET', `${vm}/agent/network-get-interfaces`],
      ['GET', `${vm}/agent/get-host-name`],
      ['GET', `${vm}/agent/get-osinfo`],
      ['POST', `${vm}/agent/exec`, { params: { command: ['hostname'] } }],
      ['GET', `${vm}/agent/exec-status`, { params: { pid: 0 } }],
      ['POST', `${vm}/status/reboot`],
      ['POST', `${vm}/status/reset`],
      ['POST', `${vm}/status/shutdown`],
      ['POST', `${vm}/status/stop`],
      ['POST', `${vm}/template`],
      ['DELETE', vm],
      [
        'DELETE',
        `/nodes/pve1/storage/local/content/${encodeURIComponent('local:iso/seed-180.iso')}`,
        { params: { delay: 5 } },
      ],
    ];
    const called = new Set<string>();
    for (const [method, path, call] of calls) {
      if (path.endsWith('/exec-status')) {
        const exec = await pveData<{ pid: number }>(emu, 'POST', `${vm}/agent/exec`, {
          params: { command: ['hostname'] },
        });
        call!.params!['pid'] = exec.pid;
      }
      for (let attempt = 0; ; attempt++) {
        const answer = await pve(emu, method, path, call);
        if (answer.status === 500 && /agent is not running/.test(answer.reason) && attempt < 100) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        assert.equal(answer.status, 200, `${method} ${path}: ${answer.status} ${answer.reason}`);
        const data = answer.body?.data;
        if (typeof data === 'string' && data.startsWith('UPID:')) {
          const task = await waitTask(emu, data);
          assert.equal(task.exitstatus, 'OK', `${method} ${path}: ${task.exitstatus ?? ''}`);
        }
        break;
      }
      const route = [...emulatorRoutes().keys()].find((key) => {
        const [m, template = ''] = key.split(' ');
        const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        return m === method && pattern.test(path.replace(/%2F/gi, '_').replace(/%3A/gi, ':'));
      });
      if (route) called.add(route);
    }
    for (const key of [
      'GET /nodes/{node}/tasks/{upid}/status',
      'GET /nodes/{node}/tasks/{upid}/log',
      'POST /nodes/{node}/qemu/{vmid}/clone',
      'POST /nodes/{node}/storage/{storage}/upload',
      'POST /access/ticket',
      'DELETE /nodes/{node}/tasks/{upid}',
    ]) {
      called.add(key); // exercised by waitTask and the set-up here, auth.test.ts and clone.test.ts
    }
    assert.deepEqual(
      [...emulatorRoutes().keys()].filter((key) => !called.has(key)),
      [],
      'every route is covered',
    );
    emu.assertNoViolations();
  });
});
