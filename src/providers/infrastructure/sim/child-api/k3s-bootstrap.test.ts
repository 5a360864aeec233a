// The simulated API with the PKI and kubeconfig the real K3s bootstrap provider makes:
// its server CA signs the serving certificate, its admin certificate (client CA,
// system:masters) authenticates, and /cacerts hashes to the join token's CA hash.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { get } from 'node:https';
import { after, before, test } from 'node:test';
import { createChildClusterClient } from '../../../../childcluster/client.ts';
import { createK3sBootstrapProvider, parseK3sToken } from '../../../bootstrap/k3s/index.ts';
import type { ClusterSecretsData } from '../../../bootstrap/types.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';
import { testNode } from './test-pki.ts';

let env: TestEnvironment;
let secrets: ClusterSecretsData;
const k3s = createK3sBootstrapProvider();

before(async () => {
  env = await startTestEnvironment();
  secrets = await k3s.generateClusterSecrets({ clusterName: 'demo', namespace: 'team-a' });
  const pki = secrets.pki;
  await env.registry.ensureCluster({
    id: 'team-a/demo',
    serverCA: { cert: pki['server-ca.crt'] ?? '', key: pki['server-ca.key'] ?? '' },
    clientCA: { cert: pki['client-ca.crt'] ?? '' },
    tokenPassword: parseK3sToken(secrets.token).password,
    version: 'v1.31.4+k3s1',
  });
  await env.registry.upsertNode('team-a/demo', testNode('demo-cp-1', 'control-plane'));
});
after(() => env.close());

test('the bootstrap provider’s admin kubeconfig reaches the simulated cluster', async () => {
  const kubeconfig = await k3s.renderAdminKubeconfig({
    clusterName: 'demo',
    namespace: 'team-a',
    endpoint: env.api.endpointFor('team-a', 'demo'),
    secrets,
  });
  const client = createChildClusterClient(kubeconfig);
  try {
    assert.equal((await client.ready()).ok, true);
    assert.deepEqual(
      (await client.listNodes()).map((n) => n.name),
      ['demo-cp-1'],
    );
  } finally {
    await client.close();
  }
});

test('/cacerts serves the bytes the join token’s CA hash was computed from', async () => {
  const endpoint = env.api.endpointFor('team-a', 'demo');
  // Unauthenticated and unverified, as a joining K3s node fetches it before checking the hash.
  const body = await new Promise<Buffer>((resolve, reject) => {
    get(`${env.api.url}${endpoint.pathPrefix}/cacerts`, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
  assert.equal(body.toString('utf8'), secrets.pki['server-ca.crt']);
  const hash = createHash('sha256').update(body).digest('hex');
  assert.equal(parseK3sToken(secrets.token).caHash, hash);
});
