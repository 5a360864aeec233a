// Control-plane VIP: kube-vip in every server's auto-deploy folder, the VIP in tls-san,
// and network-config that names the NIC kube-vip uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';
import { defaultKubeVipImage, kubeVipManifestPath } from './kube-vip.ts';
import { input, renderChecked, values } from './test-fixtures.ts';

const vip = '10.0.0.5';
const network = {
  address: '10.0.0.21',
  prefix: 24,
  gateway: '10.0.0.1',
  dnsServers: ['10.0.0.2'],
  searchDomains: ['lab.example'],
  macAddress: '02:5a:11:22:33:44',
};

interface Doc {
  kind: string;
  spec?: { template: { spec: Record<string, unknown> } };
}

function kubeVipDocs(manifest: string): Doc[] {
  return parseAllDocuments(manifest).map((d) => d.toJSON() as Doc);
}

function envOf(daemonSet: Doc): Record<string, unknown> {
  const containers = daemonSet.spec?.template.spec['containers'] as {
    env: { name: string; value?: string; valueFrom?: unknown }[];
    image: string;
  }[];
  return Object.fromEntries(
    (containers[0]?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]),
  );
}

test('every server gets kube-vip holding the VIP, and the VIP in tls-san', async () => {
  const endpoint = { host: vip, port: 6443 };
  for (const initialize of [true, false]) {
    const { reading, rendered } = await renderChecked(
      await input({ initialize, endpoint, controlPlaneVIP: vip, network }),
    );
    assert.deepEqual(reading.config['tls-san'], [vip]);
    if (!initialize) assert.equal(reading.config['server'], `https://${vip}:6443`);
    const file = reading.files.get(kubeVipManifestPath);
    assert.ok(file, 'kube-vip manifest written');
    assert.equal(file.permissions, '0600');
    const docs = kubeVipDocs(file.content.toString('utf8'));
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet'],
    );
    const daemonSet = docs[3] as Doc;
    const env = envOf(daemonSet);
    assert.equal(env['address'], vip);
    assert.equal(env['vip_interface'], 'eth0');
    assert.equal(env['vip_arp'], 'true');
    assert.equal(env['cp_enable'], 'true');
    assert.equal(env['vip_leaderelection'], 'true');
    assert.equal(env['port'], '6443');
    assert.equal(daemonSet.spec?.template.spec['hostNetwork'], true);
    const image = (daemonSet.spec?.template.spec['containers'] as { image: string }[])[0]?.image;
    assert.equal(image, defaultKubeVipImage);
    // The NIC kube-vip binds to is the one network-config named.
    const net = parse(rendered.networkConfig ?? '') as { ethernets: Record<string, unknown> };
    assert.deepEqual(Object.keys(net.ethernets), ['eth0']);
  }
});

test('workers get no kube-vip; template values choose image and interface', async () => {
  const endpoint = { host: vip, port: 6443 };
  const worker = await renderChecked(
    await input({ role: 'worker', initialize: false, endpoint, controlPlaneVIP: vip }),
  );
  assert.equal(worker.reading.files.get(kubeVipManifestPath), undefined);
  assert.equal(worker.reading.config['tls-san'], undefined);

  const custom = await renderChecked(
    await input({
      initialize: false,
      endpoint,
      controlPlaneVIP: 'fd00:10::5',
      values: {
        ...values,
        kubeVip: { image: 'registry.lan/kube-vip:v1.0.3', interface: 'ens18' },
      },
    }),
  );
  const docs = kubeVipDocs(
    custom.reading.files.get(kubeVipManifestPath)?.content.toString('utf8') ?? '',
  );
  const env = envOf(docs[3] as Doc);
  assert.equal(env['vip_interface'], 'ens18');
  assert.equal(env['address'], 'fd00:10::5');
  assert.equal(env['vip_subnet'], '128');
  assert.ok((custom.reading.config['tls-san'] as string[]).includes('fd00:10::5'));
});

test('a first server with no known endpoint (DHCP, no VIP) still renders; joiners need one', async () => {
  const { endpoint: _unused, ...rest } = await input();
  const { reading, rendered } = await renderChecked({
    ...rest,
    network: { mode: 'dhcp', macAddress: '02:00:00:00:00:01' },
  });
  assert.equal(reading.config['cluster-init'], true);
  assert.deepEqual(reading.config['tls-san'], []);
  assert.equal(reading.config['node-ip'], undefined);
  assert.deepEqual(parse(rendered.networkConfig ?? ''), {
    version: 2,
    ethernets: {
      eth0: { match: { macaddress: '02:00:00:00:00:01' }, 'set-name': 'eth0', dhcp4: true },
    },
  });
  const { endpoint: _none, ...joiner } = await input({ initialize: false });
  await assert.rejects(
    renderChecked(joiner),
    (err: unknown) => (err as { reason?: string }).reason === 'InvalidInput',
  );
});
