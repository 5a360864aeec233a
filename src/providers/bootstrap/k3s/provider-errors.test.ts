// Input that cannot work is refused with a stable reason, and the message never carries
// secret material: errors end up in conditions, events, logs and terminals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BootstrapError, type BootstrapErrorReason } from '../errors.ts';
import type { ClusterSecretsData, MachineBootstrapInput } from '../types.ts';
import { createK3sBootstrapProvider } from './provider.ts';

const provider = createK3sBootstrapProvider();
const secretsPromise = provider.generateClusterSecrets({
  clusterName: 'demo',
  namespace: 'team-a',
});
const otherPromise = provider.generateClusterSecrets({ clusterName: 'other', namespace: 'team-a' });

async function machine(
  overrides: Partial<MachineBootstrapInput> = {},
): Promise<MachineBootstrapInput> {
  return {
    clusterName: 'demo',
    namespace: 'team-a',
    machineName: 'demo-cp-1',
    role: 'control-plane',
    initialize: true,
    version: 'v1.31.4+k3s1',
    endpoint: { host: '10.0.0.10', port: 6443 },
    secrets: await secretsPromise,
    values: {},
    ...overrides,
  };
}

/** Every secret string: PEM bodies, the token and its password. */
function secretFragments(secrets: ClusterSecretsData): string[] {
  const fragments = [secrets.token, secrets.token.split(':').pop() ?? ''];
  for (const pem of Object.values(secrets.pki)) {
    fragments.push(pem.split('\n')[1] ?? '', Buffer.from(pem).toString('base64').slice(0, 40));
  }
  return fragments.filter((fragment) => fragment.length >= 16);
}

async function assertRefused(
  promise: Promise<unknown>,
  reason: BootstrapErrorReason,
  pattern: RegExp,
): Promise<void> {
  // Settle before awaiting anything else, or the rejection would go unhandled meanwhile.
  const settled = promise.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  const fragments = [
    ...secretFragments(await secretsPromise),
    ...secretFragments(await otherPromise),
  ];
  const err = await settled;
  assert.ok(err instanceof BootstrapError, String(err));
  assert.equal(err.reason, reason);
  assert.match(err.message, pattern);
  const text = `${err.message} ${JSON.stringify(err.causes)} ${err.stack ?? ''}`;
  for (const fragment of fragments) {
    assert.ok(!text.includes(fragment), 'a secret leaked into the error');
  }
}

test('values that break the schema, with secrets in them', async () => {
  const secrets = await secretsPromise;
  await assertRefused(
    provider.renderMachineBootstrap(
      await machine({
        values: {
          files: [{ path: 'relative', content: secrets.pki['server-ca.key'] }],
          preCommands: [secrets.token, 3],
          k3s: { extraArgs: { server: { token: secrets.token } } },
        },
      }),
    ),
    'InvalidValues',
    /files\[0\]\.path.*preCommands\[1\]/,
  );
});

test("a token for another cluster's CA", async () => {
  const secrets = await secretsPromise;
  const other = await otherPromise;
  await assertRefused(
    provider.renderMachineBootstrap(await machine({ secrets: { ...secrets, token: other.token } })),
    'InvalidToken',
    /CA hash does not match/,
  );
  await assertRefused(
    provider.renderMachineBootstrap(
      await machine({
        role: 'worker',
        initialize: false,
        secrets: { ...secrets, token: 'K10::server:x' },
      }),
    ),
    'InvalidToken',
    /secure token/,
  );
});

test('a PKI missing files the first server needs, or half a pair', async () => {
  const secrets = await secretsPromise;
  const withoutClientCA = { ...secrets.pki };
  delete withoutClientCA['client-ca.crt'];
  delete withoutClientCA['client-ca.key'];
  await assertRefused(
    provider.renderMachineBootstrap(
      await machine({ secrets: { ...secrets, pki: withoutClientCA } }),
    ),
    'MissingClusterSecret',
    /lacks client-ca\.crt/,
  );
  const halfPair = { ...secrets.pki };
  delete halfPair['etcd/peer-ca.key'];
  await assertRefused(
    provider.renderMachineBootstrap(await machine({ secrets: { ...secrets, pki: halfPair } })),
    'MissingClusterSecret',
    /etcd\/peer-ca\.crt without etcd\/peer-ca\.key/,
  );
  const noServerCA = { ...secrets.pki };
  delete noServerCA['server-ca.crt'];
  await assertRefused(
    provider.renderMachineBootstrap(
      await machine({
        role: 'worker',
        initialize: false,
        secrets: { ...secrets, pki: noServerCA },
      }),
    ),
    'MissingClusterSecret',
    /server-ca/,
  );
});

test('a version, endpoint, address or identity that cannot work', async () => {
  await assertRefused(
    provider.renderMachineBootstrap(await machine({ version: 'v1.31.4' })),
    'InvalidVersion',
    /v1\.31\.4\+k3s1/,
  );
  await assertRefused(
    provider.renderMachineBootstrap(
      await machine({ initialize: false, endpoint: { host: '', port: 6443 } }),
    ),
    'InvalidInput',
    /endpoint host/,
  );
  await assertRefused(
    provider.renderMachineBootstrap(
      await machine({ network: { address: '10.0.0.999', prefix: 24 } }),
    ),
    'InvalidInput',
    /network: address/,
  );
  await assertRefused(
    provider.renderMachineBootstrap(await machine({ machineUID: 'a/b' })),
    'InvalidInput',
    /instance-id/,
  );
});

test('a kubeconfig from a damaged client CA key says so without the key', async () => {
  const secrets = await secretsPromise;
  const key = secrets.pki['client-ca.key'] ?? '';
  const damaged = key.replace(/\n(.{10})/, '\nAAAAAAAAAA');
  const pki: Record<string, string> = { ...secrets.pki, 'client-ca.key': damaged };
  delete pki['client-admin.crt'];
  await assert.rejects(
    provider.renderAdminKubeconfig({
      clusterName: 'demo',
      namespace: 'team-a',
      endpoint: { host: 'a', port: 6443 },
      secrets: { ...secrets, pki },
    }),
    (err: unknown) => {
      assert.ok(err instanceof BootstrapError);
      assert.equal(err.reason, 'InvalidClusterSecret');
      assert.match(err.message, /private key/);
      assert.ok(!err.message.includes(damaged.split('\n')[1] ?? 'x'));
      return true;
    },
  );
});
