// Three control planes behind a kube-vip VIP: the API answers at the VIP while any server
// runs, joiners reach the cluster through it, and the VIP moves on when a server stops.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { createK3sBootstrapProvider } from '../../providers/bootstrap/k3s/index.ts';
import type { ClusterSecretsData } from '../../providers/bootstrap/types.ts';
import { buildNoCloudIso } from '../../providers/infrastructure/nocloud/index.ts';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { eventually, pve, pveData, waitTask } from './test-support.ts';

const vip = '127.0.32.5';
const endpoint = { host: vip, port: 6443 };
const k3s = createK3sBootstrapProvider();

function nodeNames(kubeconfig: string): Promise<string[]> {
  const config = parse(kubeconfig) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
  const cluster = config.clusters[0]?.cluster;
  const user = config.users[0]?.user;
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster?.server ?? ''}/api/v1/nodes`,
      {
        agent: false,
        ca: b64(cluster?.['certificate-authority-data']),
        cert: b64(user?.['client-certificate-data']),
        key: b64(user?.['client-key-data']),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode ?? 0}`));
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            items: { metadata: { name: string } }[];
          };
          resolve(body.items.map((i) => i.metadata.name).sort());
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('emulator guests: a control-plane VIP', () => {
  let emu: ProxmoxEmulator;
  let secrets: ClusterSecretsData;
  let kubeconfig: string;
  before(async () => {
    emu = await startProxmoxEmulator({
      timing: { cloneMs: 10, taskMs: 5, bootMs: 30, agentMs: 30, joinRetryMs: 30 },
    });
    secrets = await k3s.generateClusterSecrets({ clusterName: 'ha', namespace: 'team-b' });
    kubeconfig = await k3s.renderAdminKubeconfig({
      clusterName: 'ha',
      namespace: 'team-b',
      endpoint,
      secrets,
    });
  });
  after(async () => {
    emu.assertNoViolations();
    await emu.stop();
  });

  test('three servers on three nodes form one cluster reachable at the VIP, which survives a server stopping', async () => {
    const nodes = ['pve1', 'pve2', 'pve3'];
    for (const [i, node] of nodes.entries()) {
      const vmid = 150 + i;
      const clone = await pveData<string>(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
        params: { newid: vmid, name: `ha-cp-${i + 1}`, target: node },
      });
      assert.equal((await waitTask(emu, clone)).exitstatus, 'OK');
      const rendered = await k3s.renderMachineBootstrap({
        clusterName: 'ha',
        namespace: 'team-b',
        machineName: `ha-cp-${i + 1}`,
        role: 'control-plane',
        initialize: i === 0,
        version: 'v1.31.4+k3s1',
        endpoint,
        secrets,
        values: {},
        controlPlaneVIP: vip,
        network: { address: `127.0.32.${10 + i}`, prefix: 24 },
      });
      // The seed goes to shared storage, where every node sees it.
      const upload = await pve(emu, 'POST', `/nodes/${node}/storage/shared/upload`, {
        multipart: {
          fields: { content: 'iso' },
          file: { name: 'filename', filename: `ha-${vmid}.iso`, data: buildNoCloudIso(rendered) },
        },
      });
      assert.equal((await waitTask(emu, String(upload.body?.data))).exitstatus, 'OK');
      await pveData(emu, 'PUT', `/nodes/${node}/qemu/${vmid}/config`, {
        params: { ide0: `shared:iso/ha-${vmid}.iso,media=cdrom` },
      });
      assert.equal(
        (
          await waitTask(
            emu,
            await pveData<string>(emu, 'POST', `/nodes/${node}/qemu/${vmid}/status/start`),
          )
        ).exitstatus,
        'OK',
      );
    }
    const all = await eventually(
      async () => {
        const names = await nodeNames(kubeconfig).catch(() => []);
        return names.length === 3 ? names : undefined;
      },
      10_000,
      'three servers',
    );
    assert.deepEqual(all, ['ha-cp-1', 'ha-cp-2', 'ha-cp-3']);
    assert.deepEqual(
      emu.childClusters()[0]?.endpoints.sort(),
      ['127.0.32.10', '127.0.32.11', '127.0.32.12', vip].sort(),
    );
    await emu.stopVM(150);
    assert.deepEqual(
      await nodeNames(kubeconfig),
      ['ha-cp-1', 'ha-cp-2', 'ha-cp-3'],
      'the VIP still answers',
    );
    assert.equal(emu.childClusters()[0]?.endpoints.includes('127.0.32.10'), false);
  });
});
