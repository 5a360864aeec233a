import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { bootSimNode, type SimNodeBootInput } from './node-boot.ts';
import { secureK3sToken } from './k3s-token.ts';
import {
  k3sUserData,
  MemorySimClusterRegistry,
  testClusterSecrets,
  type TestK3sNode,
} from './test-support.ts';

const url = 'https://127.0.0.1:7443/clusters/team-a/demo';

function input(
  registry: MemorySimClusterRegistry,
  userData: string,
  extra: Partial<SimNodeBootInput> = {},
): SimNodeBootInput {
  return {
    userData,
    metaData: 'instance-id: x\n',
    namespace: 'team-a',
    clusterName: 'demo',
    machineName: 'fallback-name',
    address: '10.77.0.9',
    providerID: 'sim://team-a/x/9',
    registry,
    now: new Date('2026-01-01T00:00:00Z'),
    ready: false,
    ...extra,
  };
}

async function boot(registry: MemorySimClusterRegistry, node: TestK3sNode, providerID?: string) {
  const extra = providerID ? { providerID } : {};
  return bootSimNode(input(registry, k3sUserData(node), extra));
}

/** A registry with team-a/demo initialised by its first server. */
async function initialisedCluster() {
  const registry = new MemorySimClusterRegistry();
  const secrets = testClusterSecrets();
  const first = await boot(registry, {
    hostname: 'demo-cp-1',
    role: 'server',
    token: secrets.token,
    pki: secrets.pki,
  });
  assert.equal(first.status, 'joined', first.message);
  return { registry, secrets };
}

describe('simulated K3s boot', () => {
  test('a first server creates the cluster with its CA, token password and version', async () => {
    const { registry, secrets } = await initialisedCluster();
    const cluster = registry.getCluster('team-a/demo');
    assert.ok(cluster);
    assert.equal(cluster.serverCA.cert, secrets.pki.serverCert);
    assert.equal(cluster.serverCA.key, secrets.pki.serverKey);
    assert.equal(cluster.clientCA.cert, secrets.pki.clientCert);
    assert.equal(cluster.tokenPassword, secrets.password);
    assert.equal(cluster.version, 'v1.31.4+k3s1');
    const node = registry.node('team-a/demo', 'demo-cp-1');
    assert.ok(node);
    assert.equal(node.role, 'control-plane');
    assert.equal(node.ready, false, 'Ready only after the components latency');
    assert.equal(node.kubeletVersion, 'v1.31.4+k3s1');
    assert.equal(node.internalIP, '10.77.0.9');
    assert.equal(node.providerID, 'sim://team-a/x/9');
    assert.equal(node.creationTimestamp, '2026-01-01T00:00:00.000Z');
    assert.equal(node.labels['node-role.kubernetes.io/control-plane'], 'true');
    assert.equal(node.labels['node-role.kubernetes.io/master'], 'true');
    assert.equal(node.labels['node-role.kubernetes.io/etcd'], 'true');
    assert.equal(node.labels['kubernetes.io/hostname'], 'demo-cp-1');
  });

  test('a joining server with the right token joins as a control plane', async () => {
    const { registry, secrets } = await initialisedCluster();
    const out = await boot(
      registry,
      { hostname: 'demo-cp-2', role: 'server', token: secrets.token, serverUrl: url },
      'sim://team-a/demo-cp-2/2',
    );
    assert.equal(out.status, 'joined', out.message);
    assert.deepEqual([out.role, out.initialize, out.clusterId], ['server', false, 'team-a/demo']);
    const node = registry.node('team-a/demo', 'demo-cp-2');
    assert.equal(node?.role, 'control-plane');
    assert.equal(node.labels['node-role.kubernetes.io/etcd'], 'true');
  });

  test('an agent joins as a worker with its labels and taints', async () => {
    const { registry, secrets } = await initialisedCluster();
    const out = await boot(
      registry,
      {
        hostname: 'demo-md-1',
        role: 'agent',
        token: secureK3sToken(secrets.pki.serverCert, secrets.password, 'node'),
        serverUrl: url,
        version: 'v1.32.1+k3s1',
        nodeLabels: ['tier=gpu', 'zone=lab'],
        nodeTaints: ['dedicated=gpu:NoSchedule', 'maintenance:NoExecute'],
      },
      'sim://team-a/demo-md-1/3',
    );
    assert.equal(out.status, 'joined', out.message);
    const node = registry.node('team-a/demo', 'demo-md-1');
    assert.ok(node);
    assert.equal(node.role, 'worker');
    assert.equal(node.kubeletVersion, 'v1.32.1+k3s1');
    assert.equal(node.labels['tier'], 'gpu');
    assert.equal(node.labels['zone'], 'lab');
    assert.equal(node.labels['node-role.kubernetes.io/control-plane'], undefined);
    assert.deepEqual(node.taints, [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'maintenance', effect: 'NoExecute' },
    ]);
  });

  test('a token pinning another CA fails the join with K3s text; no node registers', async () => {
    const { registry, secrets } = await initialisedCluster();
    const other = testClusterSecrets(secrets.password);
    for (const role of ['server', 'agent'] as const) {
      const out = await boot(registry, {
        hostname: `bad-${role}`,
        role,
        token: other.token,
        serverUrl: url,
      });
      assert.equal(out.status, 'failed');
      assert.equal(out.reason, 'JoinFailed');
      assert.match(
        out.message,
        /token CA hash does not match the Cluster CA certificate hash: [0-9a-f]{64} != [0-9a-f]{64}/,
      );
      assert.equal(registry.node('team-a/demo', `bad-${role}`), undefined);
    }
  });

  test('a wrong password fails the join as 401 Unauthorized', async () => {
    const { registry, secrets } = await initialisedCluster();
    const out = await boot(registry, {
      hostname: 'demo-md-1',
      role: 'agent',
      token: secureK3sToken(secrets.pki.serverCert, 'not-the-password'),
      serverUrl: url,
    });
    assert.equal(out.reason, 'JoinFailed');
    assert.match(out.message, /401 Unauthorized/);
    const short = await boot(registry, {
      hostname: 'demo-md-2',
      role: 'agent',
      token: 'guessed',
      serverUrl: url,
    });
    assert.equal(short.reason, 'JoinFailed');
  });

  test('a short token (password only) joins: K3s trusts the server without a CA pin', async () => {
    const { registry, secrets } = await initialisedCluster();
    const out = await boot(registry, {
      hostname: 'demo-md-1',
      role: 'agent',
      token: secrets.password,
      serverUrl: url,
    });
    assert.equal(out.status, 'joined', out.message);
  });

  test('a first server whose token pins another CA fails to start', async () => {
    const registry = new MemorySimClusterRegistry();
    const secrets = testClusterSecrets();
    const other = testClusterSecrets();
    const out = await boot(registry, {
      hostname: 'cp',
      role: 'server',
      token: other.token,
      pki: secrets.pki,
    });
    assert.deepEqual([out.status, out.reason], ['failed', 'BootFailed']);
    assert.match(out.message, /token CA hash does not match/);
    assert.equal(registry.clusters.size, 0);
  });

  test('a node waits while the cluster it names is not up', async () => {
    const registry = new MemorySimClusterRegistry();
    const secrets = testClusterSecrets();
    const out = await boot(registry, {
      hostname: 'demo-md-1',
      role: 'agent',
      token: secrets.token,
      serverUrl: url,
    });
    assert.deepEqual([out.status, out.reason], ['waiting', 'WaitingForServer']);
    assert.equal(out.clusterId, 'team-a/demo');
  });

  test('the cluster comes from the server URL path, else its TLS name, else the Machine', async () => {
    const registry = new MemorySimClusterRegistry();
    const { token } = testClusterSecrets();
    const cases = [
      ['https://127.0.0.1:7443/clusters/lab/alpha', 'lab/alpha'],
      ['https://beta.lab.sim.slipway.internal:7443', 'lab/beta'],
      ['https://10.0.0.10:6443', 'team-a/demo'],
    ] as const;
    for (const [serverUrl, clusterId] of cases) {
      const out = await boot(registry, { hostname: 'w', role: 'agent', token, serverUrl });
      assert.equal(out.clusterId, clusterId, serverUrl);
    }
  });

  test('a first server names its cluster by a sim TLS SAN, else by its Machine', async () => {
    const registry = new MemorySimClusterRegistry();
    const s = testClusterSecrets();
    const named = await boot(registry, {
      hostname: 'cp',
      role: 'server',
      token: s.token,
      pki: s.pki,
      tlsSan: ['127.0.0.1', 'gamma.lab.sim.slipway.internal'],
    });
    assert.equal(named.clusterId, 'lab/gamma');
    assert.ok(registry.getCluster('lab/gamma'));
  });

  test('user-data K3s cannot start from fails the boot with a reason', async () => {
    const registry = new MemorySimClusterRegistry();
    const s = testClusterSecrets();
    const cloudConfig = (doc: unknown) => `#cloud-config\n${stringify(doc)}`;
    const cases: [string, RegExp][] = [
      ['#!/bin/sh\necho hi\n', /not #cloud-config/],
      ['#cloud-config\nwrite_files: [\n', /not valid YAML/],
      [cloudConfig({ runcmd: ['echo hello'] }), /no command installs K3s/],
      [cloudConfig({ runcmd: ['curl -sfL https://get.k3s.io | sh -'] }), /INSTALL_K3S_VERSION/],
      [k3sUserData({ hostname: 'cp', role: 'server', token: s.token }), /server-ca\.crt/],
      [k3sUserData({ hostname: 'a', role: 'agent', token: s.token }), /--server is required/],
      [
        k3sUserData({ hostname: 'a', role: 'agent', token: s.token, serverUrl: 'http://x:6443' }),
        /must use https/,
      ],
      [k3sUserData({ hostname: 'a', role: 'agent', token: '', serverUrl: url }), /--token/],
      [
        k3sUserData({ hostname: 'a', role: 'agent', token: 'K10abc', serverUrl: url }),
        /invalid token format/,
      ],
    ];
    for (const [userData, message] of cases) {
      const out = await bootSimNode(input(registry, userData));
      assert.deepEqual([out.status, out.reason], ['failed', 'BootFailed'], userData);
      assert.match(out.message, message);
    }
    assert.equal(registry.calls.length, 0);
  });

  test('booting again re-registers the same node and keeps its cordon and age', async () => {
    const { registry, secrets } = await initialisedCluster();
    const node: TestK3sNode = {
      hostname: 'w1',
      role: 'agent',
      token: secrets.token,
      serverUrl: url,
    };
    await boot(registry, node, 'sim://team-a/w1/5');
    const registered = registry.node('team-a/demo', 'w1');
    assert.ok(registered);
    registered.unschedulable = true;
    const later = input(registry, k3sUserData(node), {
      providerID: 'sim://team-a/w1/5',
      now: new Date('2026-02-01T00:00:00Z'),
      ready: true,
    });
    assert.equal((await bootSimNode(later)).status, 'joined');
    const again = registry.node('team-a/demo', 'w1');
    assert.equal(again?.unschedulable, true);
    assert.equal(again.ready, true);
    assert.equal(again.creationTimestamp, '2026-01-01T00:00:00.000Z');
  });
});
