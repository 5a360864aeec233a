// Renderings for every role, each checked by the real cloud-init and read back.
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  validateMetaData,
  validateNetworkConfig,
  validateUserData,
} from '../cloud-init/validator.ts';
import type { MachineBootstrapInput } from '../types.ts';
import { k3sServerMustMatchKeys } from './k3s-config.ts';
import { k3sServerTLSFiles, k3sTLSDir } from './pki.ts';
import { createK3sBootstrapProvider } from './provider.ts';
import { readK3sUserData } from './read-user-data.ts';
import { parseK3sToken } from './token.ts';
import { bootstrapSuccessFile } from './user-data.ts';

const provider = createK3sBootstrapProvider({ now: () => new Date('2026-03-01T12:00:00Z') });
const secretsPromise = provider.generateClusterSecrets({
  clusterName: 'demo',
  namespace: 'team-a',
});

const values = {
  workersNumber: 3, // another consumer's value: passes through
  k3s: {
    disable: ['traefik', 'servicelb'],
    clusterCIDR: '10.42.0.0/16',
    serviceCIDR: '10.43.0.0/16',
    secretsEncryption: true,
    nodeLabels: { 'slipway.dev/pool': 'default', 'topology.kubernetes.io/zone': 'on' },
    controlPlane: { nodeTaints: ['node-role.kubernetes.io/control-plane=true:NoSchedule'] },
    workers: { nodeLabels: { 'node.kubernetes.io/role': 'worker' } },
    extraArgs: {
      server: { 'kube-apiserver-arg': ['audit-log-maxage=30'], 'etcd-snapshot-retention': 5 },
      agent: { 'kubelet-arg': ['max-pods=200'] },
    },
  },
  files: [
    {
      path: '/etc/rancher/k3s/registries.yaml',
      content: 'mirrors:\n  docker.io:\n    endpoint: ["https://mirror.local"]\n',
      permissions: '600',
    },
    {
      path: '/opt/blob',
      content: Buffer.from([0, 1, 2, 255]).toString('base64'),
      encoding: 'b64',
      defer: true,
    },
  ],
  preCommands: ['echo "pre: on"'],
  postCommands: ["echo 'post'"],
};

async function input(
  overrides: Partial<MachineBootstrapInput> = {},
): Promise<MachineBootstrapInput> {
  return {
    clusterName: 'demo',
    namespace: 'team-a',
    machineName: 'demo-cp-x7k2p',
    machineUID: '6f1c2b1e-0d7a-4a51-9d7e-0c8f2f1a9b3c',
    role: 'control-plane',
    initialize: true,
    version: 'v1.31.4+k3s1',
    endpoint: { host: '10.0.0.10', port: 6443, tlsServerName: 'demo.team-a.k3s.local' },
    secrets: await secretsPromise,
    values,
    ...overrides,
  };
}

async function renderChecked(machine: MachineBootstrapInput) {
  const rendered = await provider.renderMachineBootstrap(machine);
  const [, , network] = await Promise.all([
    validateUserData(rendered.userData),
    validateMetaData(rendered.metaData),
    rendered.networkConfig ? validateNetworkConfig(rendered.networkConfig) : undefined,
  ]);
  return { rendered, reading: readK3sUserData(rendered.userData), network };
}

test('first server: cluster-init, the CA files byte for byte, config and installer', async () => {
  const secrets = await secretsPromise;
  const { rendered, reading } = await renderChecked(await input());
  assert.equal(reading.hostname, 'demo-cp-x7k2p');
  assert.equal(reading.role, 'server');
  assert.equal(reading.version, 'v1.31.4+k3s1');
  assert.equal(reading.airgapped, false);
  assert.deepEqual(reading.config, {
    'cluster-init': true,
    token: secrets.token,
    'node-name': 'demo-cp-x7k2p',
    'tls-san': ['10.0.0.10', 'demo.team-a.k3s.local'],
    'write-kubeconfig-mode': '0600',
    'cluster-cidr': '10.42.0.0/16',
    'service-cidr': '10.43.0.0/16',
    'secrets-encryption': true,
    disable: ['traefik', 'servicelb'],
    'node-label': ['slipway.dev/pool=default', 'topology.kubernetes.io/zone=on'],
    'node-taint': ['node-role.kubernetes.io/control-plane=true:NoSchedule'],
    'kube-apiserver-arg': ['audit-log-maxage=30'],
    'etcd-snapshot-retention': 5,
  });

  // Every CA file, decoded from base64, is exactly the stored PEM; nothing else of the PKI.
  assert.deepEqual(Object.keys(reading.caFiles), k3sServerTLSFiles);
  for (const name of k3sServerTLSFiles) {
    const file = reading.files.get(`${k3sTLSDir}/${name}`);
    assert.equal(file?.encoding, 'b64', name);
    assert.equal(file?.owner, 'root:root', name);
    assert.equal(file?.permissions, name.endsWith('.key') ? '0600' : '0640', name);
    assert.ok(file?.content.equals(Buffer.from(secrets.pki[name] ?? '')), `${name} round-trips`);
  }
  assert.ok(!rendered.userData.includes('client-admin'));
  assert.ok(![...reading.files.keys()].some((path) => path.includes('client-admin')));

  // The token's CA hash is what a joining node computes from the bytes this server serves.
  const served = reading.files.get(`${k3sTLSDir}/server-ca.crt`)?.content ?? Buffer.alloc(0);
  assert.equal(
    parseK3sToken(String(reading.config['token'])).caHash,
    createHash('sha256').update(served).digest('hex'),
  );
  new X509Certificate(served);
  createPrivateKey(reading.files.get(`${k3sTLSDir}/server-ca.key`)?.content ?? '');

  const config = reading.files.get('/etc/rancher/k3s/config.yaml');
  assert.equal(config?.permissions, '0600');
  assert.equal(reading.files.get('/etc/rancher/k3s/registries.yaml')?.permissions, '0600');
  assert.deepEqual([...(reading.files.get('/opt/blob')?.content ?? [])], [0, 1, 2, 255]);
  assert.equal(reading.files.get('/opt/blob')?.defer, true);
  assert.equal(config?.defer, undefined, 'K3s files are written in the init stage');

  assert.deepEqual(reading.runcmd, [
    'set -e',
    'echo "pre: on"',
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s-install.sh' 'https://get.k3s.io'",
    "INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/usr/local/bin/k3s-install.sh' server",
    "echo 'post'",
    `mkdir -p /run/slipway && touch ${bootstrapSuccessFile}`,
  ]);
  assert.equal(rendered.networkConfig, undefined);
  assert.deepEqual(parse(rendered.metaData), {
    'instance-id': 'team-a.demo-cp-x7k2p.6f1c2b1e-0d7a-4a51-9d7e-0c8f2f1a9b3c',
    'local-hostname': 'demo-cp-x7k2p',
  });
});

test('joining server: server URL instead of cluster-init, no CA files, must-match keys identical', async () => {
  const first = await renderChecked(await input());
  const joining = await renderChecked(
    await input({ machineName: 'demo-cp-q9w3e', initialize: false }),
  );
  assert.equal(joining.reading.role, 'server');
  assert.equal(joining.reading.config['server'], 'https://10.0.0.10:6443');
  assert.equal(joining.reading.config['cluster-init'], undefined);
  assert.deepEqual(joining.reading.caFiles, {});
  assert.ok(![...joining.reading.files.keys()].some((path) => path.startsWith(k3sTLSDir)));
  for (const key of [...k3sServerMustMatchKeys, 'token', 'tls-san']) {
    assert.deepEqual(joining.reading.config[key], first.reading.config[key], key);
  }
  // Everything but identity and how to find the cluster is the same.
  const strip = (config: Record<string, unknown>) => {
    const { 'cluster-init': _init, server: _server, 'node-name': _name, ...rest } = config;
    return rest;
  };
  assert.deepEqual(strip(joining.reading.config), strip(first.reading.config));
});

test('agent: server, token, its own labels, no server-only keys and no CA files', async () => {
  const secrets = await secretsPromise;
  const { reading } = await renderChecked(
    await input({ machineName: 'demo-md-0-h5j8k', role: 'worker', initialize: false }),
  );
  assert.equal(reading.role, 'agent');
  assert.deepEqual(reading.config, {
    server: 'https://10.0.0.10:6443',
    token: secrets.token,
    'node-name': 'demo-md-0-h5j8k',
    'node-label': [
      'slipway.dev/pool=default',
      'topology.kubernetes.io/zone=on',
      'node.kubernetes.io/role=worker',
    ],
    'kubelet-arg': ['max-pods=200'],
  });
  assert.deepEqual(reading.caFiles, {});
  assert.match(reading.runcmd.join('\n'), /INSTALL_K3S_VERSION='v1\.31\.4\+k3s1' sh '\S+' agent$/m);
});

test('a worker never initialises, whatever the flag says', async () => {
  const { reading } = await renderChecked(
    await input({ machineName: 'demo-md-0-zz', role: 'worker', initialize: true }),
  );
  assert.equal(reading.config['cluster-init'], undefined);
  assert.deepEqual(reading.caFiles, {});
});

test('static network: network-config v2, node-ip, accepted by cloud-init renderers', async () => {
  const { rendered, reading, network } = await renderChecked(
    await input({
      role: 'worker',
      initialize: false,
      machineName: 'demo-md-0-n1',
      network: {
        address: '192.168.50.21',
        prefix: 24,
        gateway: '192.168.50.1',
        dnsServers: ['192.168.50.1', '9.9.9.9'],
        interfaceName: 'ens18',
      },
    }),
  );
  assert.equal(reading.config['node-ip'], '192.168.50.21');
  assert.deepEqual(parse(rendered.networkConfig ?? ''), {
    version: 2,
    ethernets: {
      ens18: {
        match: { name: 'ens18' },
        dhcp4: false,
        dhcp6: false,
        addresses: ['192.168.50.21/24'],
        routes: [{ to: '0.0.0.0/0', via: '192.168.50.1' }],
        nameservers: { addresses: ['192.168.50.1', '9.9.9.9'] },
      },
    },
  });
  assert.match(network?.eni ?? '', /iface ens18 inet static[\s\S]*address 192\.168\.50\.21\/24/);
  assert.match(network?.eni ?? '', /default gw 192\.168\.50\.1/);
  assert.match(network?.networkd ?? '', /Name=ens18[\s\S]*Gateway=192\.168\.50\.1/);
});

test('static network: the interface comes from the values when the input names none', async () => {
  const { rendered } = await renderChecked(
    await input({
      values: { ...values, guestNetwork: { interfaceName: 'eth1' } },
      network: { address: 'fd00:10::5', prefix: 64, gateway: 'fd00:10::1' },
    }),
  );
  const config = parse(rendered.networkConfig ?? '') as { ethernets: Record<string, unknown> };
  assert.deepEqual(config.ethernets, {
    eth1: {
      match: { name: 'eth1' },
      dhcp4: false,
      dhcp6: false,
      addresses: ['fd00:10::5/64'],
      routes: [{ to: '::/0', via: 'fd00:10::1' }],
    },
  });
});

test('air-gap: artifacts from a configured location, INSTALL_K3S_SKIP_DOWNLOAD, images in place', async () => {
  const sha = 'e'.repeat(64);
  const { reading } = await renderChecked(
    await input({
      values: {
        ...values,
        airgap: {
          installScriptUrl: 'https://artifacts.lan/k3s/install.sh',
          binaryUrl: 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s',
          binarySha256: sha,
          imagesUrl: 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s-airgap-images-amd64.tar.zst',
        },
      },
    }),
  );
  assert.equal(reading.airgapped, true);
  assert.equal(reading.role, 'server');
  assert.deepEqual(reading.runcmd.slice(2, -2), [
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s-install.sh' 'https://artifacts.lan/k3s/install.sh'",
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s' 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s'",
    `echo '${sha}  /usr/local/bin/k3s' | sha256sum -c -`,
    'chmod 0755 /usr/local/bin/k3s',
    'mkdir -p /var/lib/rancher/k3s/agent/images',
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst' 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s-airgap-images-amd64.tar.zst'",
    "INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/usr/local/bin/k3s-install.sh' server",
  ]);
  assert.ok(!reading.runcmd.some((command) => command.includes('get.k3s.io')));
});

test('air-gap with everything already on the image: only the offline install', async () => {
  const { reading } = await renderChecked(
    await input({
      role: 'worker',
      initialize: false,
      values: { airgap: { installScriptPath: '/opt/k3s/install.sh' } },
    }),
  );
  assert.deepEqual(reading.runcmd, [
    'set -e',
    "INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/opt/k3s/install.sh' agent",
    `mkdir -p /run/slipway && touch ${bootstrapSuccessFile}`,
  ]);
});

test('no values at all still renders a working machine', async () => {
  const { reading } = await renderChecked(await input({ values: {} }));
  assert.deepEqual(Object.keys(reading.config), [
    'cluster-init',
    'token',
    'node-name',
    'tls-san',
    'write-kubeconfig-mode',
  ]);
});

test('rendering is deterministic: same input, same documents', async () => {
  const machine = await input({ network: { address: '10.0.0.31', prefix: 24 } });
  assert.deepEqual(
    await provider.renderMachineBootstrap(machine),
    await provider.renderMachineBootstrap(machine),
  );
});
