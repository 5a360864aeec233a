import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readK3sUserData } from './read-user-data.ts';

const minimal = `#cloud-config
hostname: n1
write_files:
  - path: /etc/rancher/k3s/config.yaml
    content: |
      server: https://10.0.0.10:6443
      token: K10::node:x
runcmd:
  - set -e
  - INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/usr/local/bin/k3s-install.sh' agent
`;

test('reads what a booting machine would see', () => {
  const reading = readK3sUserData(minimal);
  assert.equal(reading.hostname, 'n1');
  assert.equal(reading.role, 'agent');
  assert.equal(reading.version, 'v1.31.4+k3s1');
  assert.equal(reading.config['server'], 'https://10.0.0.10:6443');
  assert.deepEqual(reading.caFiles, {});
});

test('documents that are not K3s user-data are refused', () => {
  for (const [document, message] of [
    ['hostname: n1\n', /#cloud-config/],
    ['#cloud-config\n- a\n', /mapping/],
    [minimal.replace('hostname: n1\n', ''), /hostname/],
    [minimal.replace('/etc/rancher/k3s/config.yaml', '/etc/other.yaml'), /config\.yaml/],
    [minimal.replace(/ {2}- INSTALL.*\n/, ''), /installer/],
  ] as const) {
    assert.throws(() => readK3sUserData(document), message);
  }
});
