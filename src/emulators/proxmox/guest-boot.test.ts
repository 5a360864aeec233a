// Guests boot from the NoCloud ISO they were given: the real K3s bootstrap provider's
// user-data and network-config, built into an ISO, uploaded and attached as a CD-ROM.
// The guest agent then reports the address, the first server's cluster API answers at
// <address>:6443 with the cluster's own CA, and a worker on DHCP joins it.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { createK3sBootstrapProvider } from '../../providers/bootstrap/k3s/index.ts';
import type { ClusterSecretsData, MachineBootstrapInput } from '../../providers/bootstrap/types.ts';
import { buildNoCloudIso } from '../../providers/infrastructure/nocloud/index.ts';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { eventually, pve, pveData, waitTask } from './test-support.ts';

const serverAddress = '127.0.31.10';
const endpoint = { host: serverAddress, port: 6443 };
const k3s = createK3sBootstrapProvider();

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

/** GET on the child cluster's API with the admin kubeconfig's CA and client certificate. */
function kubeGet(kubeconfig: string, path: string): Promise<{ status: number; body: unknown }> {
  const config = parse(kubeconfig) as Kubeconfig;
  const cluster = config.clusters[0]?.cluster;
  const user = config.users[0]?.user;
  const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster?.server ?? ''}${path}`,
      {
        ca: b64(cluster?.['certificate-authority-data']),
        cert: b64(user?.['client-certificate-data']),
        key: b64(user?.['client-key-data']),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('emulator guests boot from their NoCloud ISO into a K3s cluster', () => {
  let emu: ProxmoxEmulator;
  let secrets: ClusterSecretsData;
  let kubeconfig: string;

  async function bootVM(
    vmid: number,
    role: MachineBootstrapInput['role'],
    initialize: boolean,
    network?: MachineBootstrapInput['network'],
  ) {
    const upid = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
      params: { newid: vmid, name: `demo-${vmid}` },
    });
    assert.equal((await waitTask(emu, upid)).exitstatus, 'OK');
    const rendered = await k3s.renderMachineBootstrap({
      clusterName: 'demo',
      namespace: 'team-a',
      machineName: `demo-${vmid}`,
      machineUID: `uid-${vmid}`,
      role,
      initialize,
      version: 'v1.31.4+k3s1',
      endpoint,
      secrets,
      values: {},
      ...(network ? { network } : {}),
    });
    const upload = await pve(emu, 'POST', '/nodes/pve1/storage/local/upload', {
      multipart: {
        fields: { content: 'iso' },
        file: { name: 'filename', filename: `seed-${vmid}.iso`, data: buildNoCloudIso(rendered) },
      },
    });
    assert.equal((await waitTask(emu, String(upload.body?.data))).exitstatus, 'OK');
    const config = await pveData<string>(emu, 'POST', `/nodes/pve1/qemu/${vmid}/config`, {
      params: { ide0: `local:iso/seed-${vmid}.iso,media=cdrom` },
    });
    assert.equal((await waitTask(emu, config)).exitstatus, 'OK');
    const start = await pveData<string>(emu, 'POST', `/nodes/pve1/qemu/${vmid}/status/start`);
    assert.equal((await waitTask(emu, start)).exitstatus, 'OK');
  }

  async function agentAddress(vmid: number): Promise<string> {
    return eventually(
      async () => {
        const answer = await pve(
          emu,
          'GET',
          `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`,
        );
        if (answer.status !== 200) {
          assert.equal(answer.reason, 'QEMU guest agent is not running');
          return undefined;
        }
        const result = (
          answer.body?.data as {
            result: {
              name: string;
              'ip-addresses'?: { 'ip-address': string; 'ip-address-type': string }[];
            }[];
          }
        ).result;
        const nic = result.find((i) => i.name === 'ens18');
        return nic?.['ip-addresses']?.find((a) => a['ip-address-type'] === 'ipv4')?.['ip-address'];
      },
      10_000,
      `the agent of VM ${vmid}`,
    );
  }

  before(async () => {
    emu = await startProxmoxEmulator({
      timing: { cloneMs: 20, taskMs: 5, bootMs: 50, agentMs: 50, joinRetryMs: 50 },
      guestAddresses: { dhcpRange: '127.0.31.100-127.0.31.120' },
    });
    secrets = await k3s.generateClusterSecrets({ clusterName: 'demo', namespace: 'team-a' });
    kubeconfig = await k3s.renderAdminKubeconfig({
      clusterName: 'demo',
      namespace: 'team-a',
      endpoint,
      secrets,
    });
  });
  after(async () => {
    emu.assertNoViolations();
    await emu.stop();
  });

  test('before boot the agent is "not running"; after it, it reports the static address', async () => {
    await bootVM(140, 'control-plane', true, {
      address: serverAddress,
      prefix: 24,
      gateway: '127.0.31.1',
    });
    const early = await pve(emu, 'GET', '/nodes/pve1/qemu/140/agent/network-get-interfaces');
    assert.deepEqual([early.status, early.reason], [500, 'QEMU guest agent is not running']);
    assert.equal(await agentAddress(140), serverAddress);
  });

  test("the server's cluster API answers at <address>:6443 with the cluster's CA and lists the node", async () => {
    const nodes = await eventually(
      async () => {
        const answer = await kubeGet(kubeconfig, '/api/v1/nodes').catch(() => undefined);
        return answer?.status === 200
          ? (answer.body as { items: { metadata: { name: string } }[] })
          : undefined;
      },
      10_000,
      'the child API',
    );
    assert.deepEqual(
      nodes.items.map((n) => n.metadata.name),
      ['demo-140'],
    );
    const exec = await pveData<{ pid: number }>(emu, 'POST', '/nodes/pve1/qemu/140/agent/exec', {
      params: { command: ['cloud-init', 'status', '--wait'] },
      json: true,
    });
    const status = await eventually(async () => {
      const s = await pveData<{ exited: boolean; exitcode?: number; 'out-data'?: string }>(
        emu,
        'GET',
        '/nodes/pve1/qemu/140/agent/exec-status',
        { params: { pid: exec.pid } },
      );
      return s.exited ? s : undefined;
    });
    assert.deepEqual([status.exitcode, status['out-data']], [0, 'status: done\n']);
  });

  test('a worker on DHCP joins through the server URL', async () => {
    await bootVM(141, 'worker', false);
    const address = await agentAddress(141);
    assert.equal(address, '127.0.31.100');
    const names = await eventually(
      async () => {
        const answer = await kubeGet(kubeconfig, '/api/v1/nodes');
        const items = (answer.body as { items: { metadata: { name: string } }[] }).items.map(
          (n) => n.metadata.name,
        );
        return items.length === 2 ? items : undefined;
      },
      10_000,
      'the worker to join',
    );
    assert.deepEqual(names.sort(), ['demo-140', 'demo-141']);
    const [cluster] = emu.childClusters();
    assert.deepEqual(cluster?.endpoints, [serverAddress]);
    assert.equal(emu.vms().find((vm) => vm.vmid === 141)?.boot?.cloudInit, 'done');
  });

  test("a VM stopped behind the client's back takes its API down; destroying the servers drops the cluster", async () => {
    await emu.stopVM(140);
    await assert.rejects(kubeGet(kubeconfig, '/api/v1/nodes'), /ECONNREFUSED/);
    const stopped = await pve(emu, 'GET', '/nodes/pve1/qemu/140/agent/network-get-interfaces');
    assert.deepEqual([stopped.status, stopped.reason], [500, 'VM 140 is not running']);
    assert.equal(emu.childClusters()[0]?.nodes.find((n) => n.name === 'demo-140')?.ready, false);
    await emu.vanishVM(141);
    const destroy = await pveData<string>(emu, 'DELETE', '/nodes/pve1/qemu/140');
    assert.equal((await waitTask(emu, destroy)).exitstatus, 'OK');
    assert.deepEqual(emu.childClusters(), []);
    assert.deepEqual(
      emu.vms().filter((vm) => !vm.template),
      [],
    );
  });
});
