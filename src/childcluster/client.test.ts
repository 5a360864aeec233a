import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from 'undici';
import { parse, stringify } from 'yaml';
import {
  startTestEnvironment,
  type TestCluster,
  type TestEnvironment,
} from '../providers/infrastructure/sim/child-api/test-environment.ts';
import {
  makeTestCA,
  makeTestClientCert,
} from '../providers/infrastructure/sim/child-api/test-pki.ts';
import { createChildClusterClient } from './client.ts';
import { tlsConnector, type Connector } from './connector.ts';
import { createTargetSecureContext, parseKubeconfig } from './kubeconfig.ts';
import { ChildClusterErrorCode, isChildClusterError, type ChildClusterClient } from './types.ts';

/** The kubeconfig with one field of its cluster or user entry replaced. */
function editKubeconfig(
  kubeconfig: string,
  section: 'cluster' | 'user',
  key: string,
  value: string,
): string {
  const doc = parse(kubeconfig) as Record<
    string,
    { cluster?: Record<string, string>; user?: Record<string, string> }[]
  >;
  const entry = doc[section === 'cluster' ? 'clusters' : 'users']?.[0]?.[section];
  assert.ok(entry);
  entry[key] = value;
  return stringify(doc);
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The connector and server URL of a kubeconfig, as the client's transport makes them. */
function connectorFor(kubeconfig: string): { connect: Connector; url: URL } {
  const target = parseKubeconfig(kubeconfig);
  const connect = tlsConnector({
    secureContext: createTargetSecureContext(target),
    servername: target.servername,
  });
  return { connect, url: new URL(target.server) };
}

describe('child-cluster client against the simulated API', () => {
  let env: TestEnvironment;
  let alpha: TestCluster;
  let beta: TestCluster;
  const clients: ChildClusterClient[] = [];
  const clientFor = (
    kubeconfig: string,
    options: Parameters<typeof createChildClusterClient>[1] = {},
  ) => {
    const client = createChildClusterClient(kubeconfig, { drainPollMs: 10, ...options });
    clients.push(client);
    return client;
  };

  before(async () => {
    env = await startTestEnvironment();
    alpha = await env.addCluster('default', 'alpha', { workers: 3 });
    beta = await env.addCluster('other', 'beta', { workers: 1 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await env.close();
  });

  test('a new connection resumes the TLS session, and is still authenticated', async () => {
    const { connect, url } = connectorFor(alpha.kubeconfig);
    const listNodes = () =>
      new Promise<{ reused: boolean; status: string }>((resolve, reject) => {
        connect({ hostname: url.hostname, port: url.port }, (err, socket) => {
          if (err || !socket) return reject(err ?? new Error('no socket'));
          let response = '';
          socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
          socket.once('end', () => {
            resolve({ reused: socket.isSessionReused(), status: response.split('\r\n')[0] ?? '' });
            socket.destroy();
          });
          socket.write(
            `GET ${url.pathname}/api/v1/nodes HTTP/1.1\r\nHost: k3s\r\nConnection: close\r\n\r\n`,
          );
        });
      });
    const first = await listNodes();
    const second = await listNodes();
    assert.deepEqual([first.reused, second.reused], [false, true]);
    assert.match(second.status, / 200 OK$/);
  });

  test('ready: /readyz with the admin certificate, through path prefix and tls-server-name', async () => {
    const result = await clientFor(alpha.kubeconfig).ready();
    assert.deepEqual(result, { ok: true, reason: 'Ready', message: 'readyz check passed' });
  });

  test('listNodes reports name, uid, readiness, role, cordon, version, address and provider ID', async () => {
    const nodes = await clientFor(alpha.kubeconfig).listNodes();
    assert.deepEqual(
      nodes.map((n) => n.name),
      alpha.nodeNames,
    );
    const { uid, ...first } = nodes[0] ?? { uid: '' };
    assert.match(uid, /^[0-9a-f-]{36}$/);
    assert.notEqual(nodes[1]?.uid, uid);
    assert.deepEqual(first, {
      name: 'alpha-cp-1',
      ready: true,
      role: 'control-plane',
      unschedulable: false,
      kubeletVersion: 'v1.31.4+k3s1',
      internalIP: '10.0.0.10',
      providerID: 'sim://default/alpha-cp-1',
    });
    assert.equal(nodes[1]?.role, 'worker');
    assert.equal(nodes[1]?.internalIP, '10.0.0.21');
  });

  test('two clusters: each client sees only its own nodes', async () => {
    const betaNodes = await clientFor(beta.kubeconfig).listNodes();
    assert.deepEqual(
      betaNodes.map((n) => n.name),
      beta.nodeNames,
    );
  });

  test('cordon and uncordon are idempotent and visible to the hypervisor side', async () => {
    const client = clientFor(alpha.kubeconfig);
    const node = 'alpha-worker-1';
    await client.cordon(node);
    await client.cordon(node);
    assert.equal((await client.listNodes()).find((n) => n.name === node)?.unschedulable, true);
    assert.equal(
      env.registry.listNodes(alpha.id).find((n) => n.name === node)?.unschedulable,
      true,
    );
    await client.uncordon(node);
    assert.equal((await client.listNodes()).find((n) => n.name === node)?.unschedulable, false);
  });

  test('node changes arrive on a watch started from the list’s resourceVersion', async () => {
    const { connect, url } = connectorFor(alpha.kubeconfig);
    const watcher = new Client(url.origin, {
      connect: (options, callback) =>
        connect(options, (err, socket) =>
          socket ? callback(null, socket) : callback(err ?? new Error('no socket'), null),
        ),
    });
    const client = clientFor(alpha.kubeconfig);
    await client.listNodes();
    const revision = String(env.registry.revision);
    const stop = new AbortController();
    const response = await watcher.request({
      method: 'GET',
      path: `${url.pathname}/api/v1/nodes?watch=1&resourceVersion=${revision}`,
      signal: stop.signal,
    });
    assert.equal(response.statusCode, 200);
    await client.cordon('alpha-worker-2');
    let received = '';
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      received += chunk.toString();
      if (received.includes('\n')) break;
    }
    stop.abort();
    await watcher.destroy();
    const event = JSON.parse(received.split('\n')[0] ?? '') as {
      type: string;
      object: { metadata: { name: string }; spec?: { unschedulable?: boolean } };
    };
    assert.deepEqual(
      [event.type, event.object.metadata.name, event.object.spec?.unschedulable],
      ['MODIFIED', 'alpha-worker-2', true],
    );
    await client.uncordon('alpha-worker-2');
  });

  test('drain evicts every pod but DaemonSet pods, and cordons the node', async () => {
    const client = clientFor(alpha.kubeconfig);
    const node = 'alpha-worker-3';
    const before = env.registry.listPodsOnNode(alpha.id, node);
    const daemonSetPods = before.filter(
      (p) => p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet',
    );
    assert.equal(daemonSetPods.length, 1);
    assert.ok(before.length > daemonSetPods.length);
    const result = await client.drain(node, { timeoutMs: 5000 });
    assert.deepEqual(result, { evicted: before.length - daemonSetPods.length, remaining: 0 });
    const after = env.registry.listPodsOnNode(alpha.id, node);
    assert.deepEqual(
      after.map((p) => p.metadata.name),
      daemonSetPods.map((p) => p.metadata.name),
    );
    assert.equal((await client.listNodes()).find((n) => n.name === node)?.unschedulable, true);
  });

  test('drain stops at its timeout when a PodDisruptionBudget blocks eviction', async () => {
    const gamma = await env.addCluster('default', 'gamma', { workers: 1 });
    // The only worker's sample pod cannot go anywhere else: replacements stay Pending.
    env.registry.createObject(gamma.id, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    let clock = 0;
    const client = clientFor(gamma.kubeconfig, {
      drainPollMs: 500,
      now: () => clock,
      delay: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    });
    const result = await client.drain('gamma-worker-1', { timeoutMs: 3000 });
    assert.deepEqual(result, { evicted: 0, remaining: 1 });
  });

  test('deleteNode removes the node; deleting it again succeeds', async () => {
    const client = clientFor(alpha.kubeconfig);
    await client.deleteNode('alpha-worker-3');
    await client.deleteNode('alpha-worker-3');
    assert.ok(!(await client.listNodes()).some((n) => n.name === 'alpha-worker-3'));
    assert.equal(env.registry.listPodsOnNode(alpha.id, 'alpha-worker-3').length, 0);
  });

  test('cordon of a missing node is NotFound', async () => {
    await assert.rejects(clientFor(alpha.kubeconfig).cordon('ghost'), (err: unknown) => {
      assert.ok(isChildClusterError(err, ChildClusterErrorCode.NotFound));
      assert.match(err.message, /cordon node "ghost": nodes "ghost" not found \(HTTP 404\)/);
      return true;
    });
  });

  test('a client certificate from another CA is Unauthorized', async () => {
    const foreign = await makeTestClientCert(
      beta.pki.clientCA,
      'CN=system:admin, O=system:masters',
    );
    const kubeconfig = editKubeconfig(
      editKubeconfig(alpha.kubeconfig, 'user', 'client-certificate-data', b64(foreign.cert)),
      'user',
      'client-key-data',
      b64(foreign.key),
    );
    const client = clientFor(kubeconfig);
    const ready = await client.ready();
    assert.equal(ready.ok, false);
    assert.equal(ready.reason, ChildClusterErrorCode.Unauthorized);
    await assert.rejects(client.listNodes(), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.Unauthorized),
    );
  });

  test('a server CA the kubeconfig does not trust is UntrustedServer', async () => {
    const other = await makeTestCA('k3s-server-ca');
    const kubeconfig = editKubeconfig(
      alpha.kubeconfig,
      'cluster',
      'certificate-authority-data',
      b64(other.cert),
    );
    await assert.rejects(clientFor(kubeconfig).listNodes(), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.UntrustedServer),
    );
    // Without tls-server-name no SNI is sent and no cluster's certificate is presented.
    const doc = parse(alpha.kubeconfig) as { clusters: { cluster: Record<string, string> }[] };
    delete doc.clusters[0]?.cluster['tls-server-name'];
    await assert.rejects(clientFor(stringify(doc)).listNodes(), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.UntrustedServer),
    );
  });

  test('a closed port or a cluster that is down is Unreachable', async () => {
    const port = await freePort();
    const server = `https://127.0.0.1:${port}/clusters/default/alpha`;
    const closed = editKubeconfig(alpha.kubeconfig, 'cluster', 'server', server);
    const ready = await clientFor(closed).ready();
    assert.equal(ready.ok, false);
    assert.equal(ready.reason, ChildClusterErrorCode.Unreachable);
    assert.ok(
      ready.message.startsWith(`check /readyz: cannot reach ${server} (ECONNREFUSED`),
      ready.message,
    );
    await env.registry.setNodeReady(beta.id, 'beta-cp-1', false);
    const down = clientFor(beta.kubeconfig);
    assert.equal((await down.ready()).reason, ChildClusterErrorCode.Unreachable);
    await assert.rejects(down.listNodes(), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.Unreachable),
    );
    await env.registry.setNodeReady(beta.id, 'beta-cp-1', true);
  });

  test('an unusable kubeconfig is InvalidKubeconfig; calls after close are Aborted', async () => {
    assert.throws(
      () => createChildClusterClient('clusters: []\ncontexts: []\nusers: []\n'),
      (err: unknown) => isChildClusterError(err, ChildClusterErrorCode.InvalidKubeconfig),
    );
    const client = createChildClusterClient(alpha.kubeconfig);
    await client.listNodes();
    await client.close();
    await assert.rejects(client.listNodes(), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.Aborted),
    );
  });

  test('a caller’s abort signal aborts ready()', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(clientFor(alpha.kubeconfig).ready(controller.signal), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.Aborted),
    );
  });
});
