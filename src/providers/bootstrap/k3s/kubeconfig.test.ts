import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { issueCertificate } from '../certificates.ts';
import { createK3sBootstrapProvider } from './provider.ts';

const now = new Date('2026-03-01T12:00:00Z');
const provider = createK3sBootstrapProvider({ now: () => now });
const secretsPromise = provider.generateClusterSecrets({
  clusterName: 'demo',
  namespace: 'team-a',
});

interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

test('the kubeconfig trusts server-ca and carries a system:masters client certificate from client-ca', async () => {
  const secrets = await secretsPromise;
  const yaml = await provider.renderAdminKubeconfig({
    clusterName: 'demo',
    namespace: 'team-a',
    endpoint: { host: '10.0.0.10', port: 6443 },
    secrets,
  });
  const config = parse(yaml) as Kubeconfig;
  assert.equal(config.apiVersion, 'v1');
  assert.equal(config.kind, 'Config');
  assert.equal(config['current-context'], 'demo');
  assert.deepEqual(config.contexts, [
    { name: 'demo', context: { cluster: 'demo', user: 'demo-admin' } },
  ]);
  const cluster = config.clusters[0];
  assert.equal(cluster?.name, 'demo');
  assert.equal(cluster?.cluster['server'], 'https://10.0.0.10:6443');
  assert.equal(cluster?.cluster['tls-server-name'], undefined);
  assert.equal(
    decode(cluster?.cluster['certificate-authority-data']),
    secrets.pki['server-ca.crt'],
  );

  const user = config.users[0]?.user;
  const cert = new X509Certificate(decode(user?.['client-certificate-data']));
  const clientCA = new X509Certificate(secrets.pki['client-ca.crt'] ?? '');
  assert.ok(cert.checkIssued(clientCA), 'issued by client-ca');
  assert.ok(cert.verify(clientCA.publicKey), 'signed by client-ca');
  assert.ok(!cert.verify(new X509Certificate(secrets.pki['server-ca.crt'] ?? '').publicKey));
  assert.match(cert.subject, /(^|\n)O=system:masters(\n|$)/);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.ok(cert.checkPrivateKey(createPrivateKey(decode(user?.['client-key-data']))));
});

test('tls-server-name, path prefix and IPv6 endpoints', async () => {
  const secrets = await secretsPromise;
  const render = async (
    endpoint: Parameters<typeof provider.renderAdminKubeconfig>[0]['endpoint'],
  ) =>
    (
      parse(
        await provider.renderAdminKubeconfig({
          clusterName: 'demo',
          namespace: 'team-a',
          endpoint,
          secrets,
        }),
      ) as Kubeconfig
    ).clusters[0]?.cluster;
  const sim = await render({
    host: '127.0.0.1',
    port: 7443,
    pathPrefix: '/clusters/team-a/demo',
    tlsServerName: 'demo.team-a.sim.slipway.local',
  });
  assert.equal(sim?.['server'], 'https://127.0.0.1:7443/clusters/team-a/demo');
  assert.equal(sim?.['tls-server-name'], 'demo.team-a.sim.slipway.local');
  assert.equal(
    (await render({ host: 'fd00::10', port: 6443 }))?.['server'],
    'https://[fd00::10]:6443',
  );
  await assert.rejects(render({ host: '10.0.0.10', port: 0 }), /not a TCP port/);
});

test('rendering twice gives the same kubeconfig (the stored admin certificate is reused)', async () => {
  const secrets = await secretsPromise;
  const input = {
    clusterName: 'demo',
    namespace: 'team-a',
    endpoint: { host: 'a', port: 6443 },
    secrets,
  };
  assert.equal(
    await provider.renderAdminKubeconfig(input),
    await provider.renderAdminKubeconfig(input),
  );
});

async function kubectlAvailable(): Promise<boolean> {
  try {
    await promisify(execFile)('kubectl', ['version', '--client']);
    return true;
  } catch {
    return false;
  }
}

test('kubectl (Go TLS, client-go) accepts the kubeconfig against a server with a server-ca certificate', async (t) => {
  if (!(await kubectlAvailable())) {
    t.skip('kubectl is not installed: the Go-side check of the kubeconfig did not run');
    return;
  }
  // Real time: Go checks validity against the wall clock.
  const live = createK3sBootstrapProvider();
  const secrets = await live.generateClusterSecrets({ clusterName: 'demo', namespace: 'team-a' });
  const serverCA = {
    cert: secrets.pki['server-ca.crt'] ?? '',
    key: secrets.pki['server-ca.key'] ?? '',
  };
  const serving = await issueCertificate({
    ca: serverCA,
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    hosts: ['demo.team-a.sim.slipway.local'],
    now: new Date(),
    validityDays: 30,
  });
  const seen: string[] = [];
  const server: Server = createServer(
    {
      cert: serving.cert,
      key: serving.key,
      ca: secrets.pki['client-ca.crt'],
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      seen.push(`${request.url} ${String(peer.subject.O)} ${String(peer.subject.CN)}`);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.4+k3s1' }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const dir = await mkdtemp(join(tmpdir(), 'slipway-kubeconfig-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'kubeconfig');
  await writeFile(
    file,
    await live.renderAdminKubeconfig({
      clusterName: 'demo',
      namespace: 'team-a',
      endpoint: {
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        pathPrefix: '/clusters/team-a/demo',
        tlsServerName: 'demo.team-a.sim.slipway.local',
      },
      secrets,
    }),
    { mode: 0o600 },
  );
  const { stdout } = await promisify(execFile)(
    'kubectl',
    ['--kubeconfig', file, 'get', '--raw', '/version'],
    {
      env: { ...process.env, HOME: dir },
    },
  );
  assert.equal((JSON.parse(stdout) as { gitVersion: string }).gitVersion, 'v1.31.4+k3s1');
  // kubectl's discovery goes through the path prefix; `get --raw` takes its path as given.
  assert.ok(
    seen.some((line) => line.startsWith('/clusters/team-a/demo/')),
    seen.join('\n'),
  );
  for (const line of seen) assert.match(line, / system:masters system:admin$/);
});
