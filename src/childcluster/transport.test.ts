// The client against a small HTTPS server of the test's own: bearer-token kubeconfigs as
// kubectl writes them, the requests as sent on the wire, deadlines and close.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { issueServingCertificate } from '../providers/infrastructure/sim/child-api/serving-cert.ts';
import { makeTestCA } from '../providers/infrastructure/sim/child-api/test-pki.ts';
import { createChildClusterClient } from './client.ts';
import { ChildClusterErrorCode, isChildClusterError, type ChildClusterClient } from './types.ts';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  accept: string | undefined;
  contentType: string | undefined;
  body: string;
}

const token = 'slipway-test.0123456789abcdef';
const node = {
  metadata: { name: 'n1', uid: '0c5d7a0e-7f55-4f0e-9a53-6b1f3a2a8f10', labels: {} },
  spec: { providerID: 'proxmox://pve/101' },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    nodeInfo: { kubeletVersion: 'v1.31.4+k3s1' },
    addresses: [{ type: 'InternalIP', address: '192.0.2.7' }],
  },
};

describe('child-cluster client with a bearer token, on the wire', () => {
  let server: Server;
  let caCert: string;
  let url: string;
  let hang = false;
  const seen: Seen[] = [];
  const hanging = new Set<ServerResponse>();
  const clients: ChildClusterClient[] = [];

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      contentType: req.headers['content-type'],
      body,
    });
    if (hang) {
      hanging.add(res);
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, { kind: 'Status', status: 'Failure', message: 'Unauthorized', code: 401 });
    } else if (req.url === '/readyz?verbose') {
      res.end('[+]ping ok\n[+]etcd ok\nreadyz check passed\n');
    } else if (req.url === '/api/v1/nodes' && req.method === 'GET') {
      send(res, 200, { kind: 'NodeList', apiVersion: 'v1', items: [node] });
    } else if (req.url === '/api/v1/nodes/n1' && req.method === 'PATCH') {
      send(res, 200, node);
    } else {
      send(res, 404, { kind: 'Status', message: `${req.url ?? ''} not found`, code: 404 });
    }
  }

  /** A kubeconfig as `kubectl config set-credentials --token` leaves it, plus `cluster` fields. */
  function kubeconfig(cluster: Record<string, unknown>, userToken = token): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: [{ name: 'edge', cluster: { server: url, ...cluster } }],
      users: [{ name: 'ci', user: { token: userToken } }],
      contexts: [{ name: 'ci@edge', context: { cluster: 'edge', user: 'ci' } }],
      'current-context': 'ci@edge',
    });
  }

  const clientFor = (config: string, requestTimeoutMs = 2_000) => {
    const client = createChildClusterClient(config, { requestTimeoutMs });
    clients.push(client);
    return client;
  };
  const withCa = () => ({
    'certificate-authority-data': Buffer.from(caCert).toString('base64'),
  });

  before(async () => {
    const ca = await makeTestCA('test-apiserver-ca');
    caCert = ca.cert;
    const serving = await issueServingCertificate({
      caCert: ca.cert,
      caKey: ca.key,
      commonName: 'kube-apiserver',
      names: ['127.0.0.1'],
    });
    server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('ready, listNodes and cordon send the token, JSON headers and a strategic merge patch', async () => {
    seen.length = 0;
    const client = clientFor(kubeconfig(withCa()));
    assert.deepEqual(await client.ready(), {
      ok: true,
      reason: 'Ready',
      message: 'readyz check passed',
    });
    assert.deepEqual(await client.listNodes(), [
      {
        name: 'n1',
        uid: node.metadata.uid,
        ready: true,
        role: 'worker',
        unschedulable: false,
        kubeletVersion: 'v1.31.4+k3s1',
        internalIP: '192.0.2.7',
        providerID: 'proxmox://pve/101',
      },
    ]);
    await client.cordon('n1');
    await client.uncordon('n1');
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.authorization, s.accept, s.contentType, s.body]),
      [
        ['GET', '/readyz?verbose', `Bearer ${token}`, undefined, undefined, ''],
        ['GET', '/api/v1/nodes', `Bearer ${token}`, 'application/json', undefined, ''],
        [
          'PATCH',
          '/api/v1/nodes/n1',
          `Bearer ${token}`,
          'application/json',
          'application/strategic-merge-patch+json',
          '{"spec":{"unschedulable":true}}',
        ],
        [
          'PATCH',
          '/api/v1/nodes/n1',
          `Bearer ${token}`,
          'application/json',
          'application/strategic-merge-patch+json',
          '{"spec":{"unschedulable":null}}',
        ],
      ],
    );
  });

  test('a wrong token is Unauthorized, with the Status message', async () => {
    const client = clientFor(kubeconfig(withCa(), 'stolen'));
    const ready = await client.ready();
    assert.deepEqual(
      [ready.ok, ready.reason, ready.message],
      [false, ChildClusterErrorCode.Unauthorized, 'check /readyz: Unauthorized (HTTP 401)'],
    );
    await assert.rejects(client.listNodes(), (err: unknown) => {
      assert.ok(isChildClusterError(err, ChildClusterErrorCode.Unauthorized));
      assert.equal(err.status, 401);
      assert.equal(err.message, 'list nodes: Unauthorized (HTTP 401)');
      return true;
    });
  });

  test('without a CA the server is untrusted, unless insecure-skip-tls-verify is set', async () => {
    await assert.rejects(clientFor(kubeconfig({})).listNodes(), (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.UntrustedServer),
    );
    const insecure = clientFor(kubeconfig({ 'insecure-skip-tls-verify': true }));
    assert.equal((await insecure.listNodes()).length, 1);
  });

  test('404 of delete node counts as deleted; other statuses carry their message', async () => {
    const client = clientFor(kubeconfig(withCa()));
    await client.deleteNode('gone');
    await assert.rejects(client.cordon('gone'), (err: unknown) => {
      assert.ok(isChildClusterError(err, ChildClusterErrorCode.NotFound));
      assert.equal(err.message, 'cordon node "gone": /api/v1/nodes/gone not found (HTTP 404)');
      return true;
    });
  });

  test('a server that does not answer in time is Unreachable; each deadline is cleared', async () => {
    const client = clientFor(kubeconfig(withCa()), 100);
    await client.listNodes(); // the connection and undici's own timers exist from here on
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    for (let i = 0; i < 5; i++) await client.listNodes();
    assert.equal(timers(), before);
    hang = true;
    try {
      const started = performance.now();
      await assert.rejects(client.listNodes(), (err: unknown) => {
        assert.ok(isChildClusterError(err, ChildClusterErrorCode.Unreachable));
        assert.equal(err.message, `list nodes: ${url} did not answer in time`);
        return true;
      });
      assert.ok(performance.now() - started < 1_000);
      const ready = await client.ready();
      assert.equal(ready.reason, ChildClusterErrorCode.Unreachable);
    } finally {
      hang = false;
    }
  });

  test('a caller’s abort is Aborted, a caller’s deadline Unreachable, close ends calls in flight', async () => {
    hang = true;
    try {
      const client = clientFor(kubeconfig(withCa()));
      const controller = new AbortController();
      const aborted = client.listNodes(controller.signal);
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(aborted, (err: unknown) =>
        isChildClusterError(err, ChildClusterErrorCode.Aborted),
      );
      const late = new AbortController();
      const timedOut = client.listNodes(late.signal);
      setTimeout(() => late.abort(new DOMException('deadline', 'TimeoutError')), 20);
      await assert.rejects(timedOut, (err: unknown) =>
        isChildClusterError(err, ChildClusterErrorCode.Unreachable),
      );
      const inFlight = client.cordon('n1');
      setTimeout(() => void client.close(), 20);
      await assert.rejects(inFlight, (err: unknown) => {
        assert.ok(isChildClusterError(err, ChildClusterErrorCode.Aborted));
        assert.equal(err.message, 'cordon node "n1": the client is closed');
        return true;
      });
      await assert.rejects(client.ready(), (err: unknown) =>
        isChildClusterError(err, ChildClusterErrorCode.Aborted),
      );
    } finally {
      hang = false;
    }
  });
});
