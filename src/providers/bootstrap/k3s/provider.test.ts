// Renderings for every role, each checked by the real cloud-init and read back.
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { parse } from 'yaml';
import { k3sServerMustMatchKeys } from './k3s-config.ts';
import { k3sServerTLSFiles, k3sTLSDir } from './pki.ts';
import { parseK3sToken } from './token.ts';
import { bootstrapSuccessFile } from './user-data.ts';
import { input, provider, renderChecked, secretsPromise } from './test-fixtures.ts';

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
