import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { planK3sBoot, type K3sBootPlan } from './k3s-plan.ts';
import { k3sUserData, testClusterSecrets } from './test-support.ts';

function plan(userData: string, metaData = ''): K3sBootPlan {
  const result = planK3sBoot({
    userData,
    metaData,
    fallbackHostname: 'machine-name',
    fallbackClusterId: 'team-a/demo',
  });
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.plan;
}

const cloudConfig = (doc: unknown) => `#cloud-config\n${stringify(doc)}`;
const config = (c: unknown) => ({ path: '/etc/rancher/k3s/config.yaml', content: stringify(c) });

describe('reading the K3s plan from user-data', () => {
  test('a first server: cluster-init, CA files, version, hostname', () => {
    const s = testClusterSecrets();
    const p = plan(k3sUserData({ hostname: 'CP-1', role: 'server', token: s.token, pki: s.pki }));
    assert.equal(p.role, 'server');
    assert.equal(p.initialize, true);
    assert.equal(p.embeddedEtcd, true);
    assert.equal(p.hostname, 'CP-1');
    assert.equal(p.nodeName, 'cp-1', 'node names are lower-cased, as the kubelet does');
    assert.equal(p.version, 'v1.31.4+k3s1');
    assert.deepEqual(p.ca, {
      serverCert: s.pki.serverCert,
      serverKey: s.pki.serverKey,
      clientCert: s.pki.clientCert,
    });
  });

  test('a server without cluster-init or server: runs on SQLite, without the etcd role', () => {
    const s = testClusterSecrets();
    const p = plan(
      k3sUserData({
        hostname: 'cp',
        role: 'server',
        token: s.token,
        pki: s.pki,
        clusterInit: false,
      }),
    );
    assert.deepEqual([p.initialize, p.embeddedEtcd], [true, false]);
  });

  test('drop-ins override and key+ appends; node-name and node-ip are honoured', () => {
    const p = plan(
      cloudConfig({
        write_files: [
          config({ server: 'https://a:6443/clusters/x/y', token: 't1', 'node-label': ['a=1'] }),
          {
            path: '/etc/rancher/k3s/config.yaml.d/20-extra.yaml',
            content: stringify({ 'node-label+': ['b=2'], token: 't2', 'node-name': 'Custom' }),
          },
          {
            path: '/etc/rancher/k3s/config.yaml.d/10-ip.yaml',
            content: stringify({ 'node-ip': '192.168.1.5,fd00::5' }),
          },
        ],
        runcmd: ['curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="v1.30.1+k3s1" sh -s - agent'],
      }),
    );
    assert.equal(p.token, 't2');
    assert.deepEqual(p.labels, { a: '1', b: '2' });
    assert.equal(p.nodeName, 'custom');
    assert.equal(p.nodeIP, '192.168.1.5');
    assert.equal(p.version, 'v1.30.1+k3s1');
    assert.equal(p.clusterId, 'x/y');
  });

  test('the installer environment wins over config.yaml, and K3S_URL alone means agent', () => {
    const p = plan(
      cloudConfig({
        write_files: [config({ token: 'from-config' })],
        runcmd: [
          "curl -sfL https://get.k3s.io | K3S_URL=https://h:6443/clusters/a/b K3S_TOKEN='from-env' INSTALL_K3S_VERSION=v1.31.0+k3s1 sh -",
        ],
      }),
    );
    assert.deepEqual(
      [p.role, p.token, p.serverUrl],
      ['agent', 'from-env', 'https://h:6443/clusters/a/b'],
    );
  });

  test('INSTALL_K3S_EXEC and a written install script are read; token-file works', () => {
    const p = plan(
      cloudConfig({
        write_files: [
          config({ server: 'https://h:6443', 'token-file': '/etc/rancher/k3s/token' }),
          { path: '/etc/rancher/k3s/token', content: 'file-token\n' },
          {
            path: '/usr/local/bin/install-k3s.sh',
            content:
              '#!/bin/sh\nexport INSTALL_K3S_VERSION=v1.29.9+k3s1\nINSTALL_K3S_EXEC="server --disable traefik" /opt/k3s/install.sh\n',
          },
        ],
        runcmd: [['sh', '/usr/local/bin/install-k3s.sh']],
      }),
      'local-hostname: from-meta\n',
    );
    assert.deepEqual(
      [p.role, p.initialize, p.token, p.version],
      ['server', false, 'file-token', 'v1.29.9+k3s1'],
    );
    assert.equal(p.hostname, 'from-meta');
  });

  test('the hostname falls back to the machine name', () => {
    const p = plan(
      cloudConfig({
        write_files: [config({ token: 't', server: 'https://h:6443' })],
        runcmd: ['INSTALL_K3S_VERSION=v1 /opt/install.sh agent'],
      }),
    );
    assert.deepEqual([p.hostname, p.role], ['machine-name', 'agent']);
  });

  test('bad labels and taints are boot failures', () => {
    for (const extra of [{ 'node-label': ['novalue'] }, { 'node-taint': ['k=v:Sometimes'] }]) {
      const result = planK3sBoot({
        userData: cloudConfig({
          write_files: [config({ token: 't', server: 'https://h:6443', ...extra })],
          runcmd: ['INSTALL_K3S_VERSION=v1 sh -s - agent # k3s'],
        }),
        metaData: '',
        fallbackHostname: 'x',
        fallbackClusterId: 'a/b',
      });
      assert.equal(result.ok, false);
    }
  });
});
