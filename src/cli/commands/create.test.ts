import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterDeployment, ClusterTemplate, Credential } from '../../api/index.ts';
import {
  condition,
  startClusterFakeApi,
  type ClusterFakeApi,
} from '../cluster-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let api: ClusterFakeApi;

const template = (namespace: string, name: string, provider: string): ClusterTemplate => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterTemplate',
  metadata: { name, namespace },
  spec: { provider, distribution: { name: 'k3s', version: 'v1.31.4+k3s1' } },
});

const credential = (
  namespace: string,
  name: string,
  provider: string,
  ready?: boolean,
): Credential => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'Credential',
  metadata: { name, namespace },
  spec: { provider },
  ...(ready === undefined
    ? {}
    : {
        status: {
          ready,
          conditions: [
            condition(
              'Ready',
              ready ? 'True' : 'False',
              ready ? 'CredentialValid' : 'AuthenticationFailed',
            ),
          ],
        },
      }),
});

const stored = (namespace: string, name: string) =>
  api.get('clusterdeployments', namespace, name) as ClusterDeployment | undefined;

before(async () => {
  api = await startClusterFakeApi();
  // Global: one sim template and credential, two proxmox credentials.
  api.save('clustertemplates', template('slipway-system', 'sim-k3s', 'sim'));
  api.save('clustertemplates', template('slipway-system', 'pve-k3s', 'proxmox'));
  api.save('clustertemplates', template('slipway-system', 'os-k3s', 'openstack'));
  api.save('credentials', credential('slipway-system', 'sim', 'sim', true));
  api.save('credentials', credential('slipway-system', 'pve-a', 'proxmox', true));
  api.save('credentials', credential('slipway-system', 'pve-b', 'proxmox'));
  // Team b: a broken local proxmox credential.
  api.save('credentials', credential('team-b', 'pve-local', 'proxmox', false));
});
after(() => api.close());

test('create cluster builds the ClusterDeployment from flags and prints a line', async () => {
  const run = await slipway(api, [
    'create',
    'cluster',
    'demo',
    '--template',
    'sim-k3s',
    '--workers',
    '2',
    '--control-planes',
    '3',
    '--set',
    'machine.vcpu=4',
    '--set',
    'machine.memoryMiB=8192',
    '--set',
    'k3s.disable=traefik',
    '--set',
    'k3s.secretsEncryption=true',
    '--set-string',
    'k3s.version=1.10',
    '--labels',
    'env=dev,team=a',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'clusterdeployment/demo created\n');
  const created = stored('default', 'demo');
  assert.ok(created);
  assert.deepEqual(created.metadata.labels, { env: 'dev', team: 'a' });
  assert.deepEqual(created.spec, {
    template: 'sim-k3s',
    credential: 'sim',
    config: {
      machine: { vcpu: 4, memoryMiB: 8192 },
      k3s: { disable: 'traefik', secretsEncryption: true, version: '1.10' },
      workersNumber: 2,
      controlPlaneNumber: 3,
    },
  });
});

test('an explicit --credential is used as given; no config means no spec.config', async () => {
  const run = await slipway(api, [
    'create',
    'cld',
    'plain',
    '--template',
    'pve-k3s',
    '--credential',
    'pve-b',
    '-n',
    'team-a',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(stored('team-a', 'plain')?.spec, { template: 'pve-k3s', credential: 'pve-b' });
});

test('without --credential, several for the provider is an error that lists them', async () => {
  const run = await slipway(api, ['create', 'cluster', 'amb', '--template', 'pve-k3s']);
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    'error: 2 Credentials can serve template pve-k3s (provider "proxmox"); choose one with --credential:\n' +
      '  pve-a (namespace slipway-system, Ready)\n' +
      '  pve-b (namespace slipway-system, not checked yet)\n',
  );
  assert.equal(stored('default', 'amb'), undefined);
});

test('a local credential counts beside the global ones; a failed one is not chosen', async () => {
  api.save('clustertemplates', template('team-c', 'local-sim', 'sim'));
  api.save('credentials', credential('team-c', 'sim-local', 'sim'));
  const ambiguous = await slipway(api, [
    'create',
    'cluster',
    'x',
    '-n',
    'team-c',
    '--template',
    'local-sim',
  ]);
  assert.equal(ambiguous.code, 1);
  assert.match(ambiguous.stderr, /sim-local \(namespace team-c, not checked yet\)/);
  assert.match(ambiguous.stderr, / {2}sim \(namespace slipway-system, Ready\)/);

  // A local credential hides a global one of the same name, as the controller resolves it.
  api.save('credentials', credential('team-d', 'sim', 'sim'));
  const shadowed = await slipway(api, [
    'create',
    'cluster',
    'y',
    '-n',
    'team-d',
    '--template',
    'sim-k3s',
  ]);
  assert.equal(shadowed.code, 0, shadowed.stderr);
  assert.equal(stored('team-d', 'y')?.spec.credential, 'sim');

  // team-b's own proxmox credential failed its check: of the three, two remain.
  const broken = await slipway(api, [
    'create',
    'cluster',
    'z',
    '-n',
    'team-b',
    '--template',
    'pve-k3s',
  ]);
  assert.match(broken.stderr, /^error: 2 Credentials can serve/);
  assert.match(broken.stderr, /pve-local \(namespace team-b, not Ready: AuthenticationFailed\)/);
});

test('no credential for the provider, and an unknown template', async () => {
  const none = await slipway(api, ['create', 'cluster', 'x', '--template', 'os-k3s']);
  assert.equal(none.code, 1);
  assert.equal(
    none.stderr,
    'error: no Credential for template os-k3s (provider "openstack") in namespace "default" or "slipway-system": create one, or pass --credential\n',
  );
  const unknown = await slipway(api, ['create', 'cluster', 'x', '--template', 'nope']);
  assert.equal(
    unknown.stderr,
    'error: clustertemplate "nope" not found in namespace "default" or "slipway-system" (see "slipway get clustertemplates -A")\n',
  );
});

test('--dry-run=server stores nothing; -o yaml prints what the server made of it', async () => {
  const run = await slipway(api, [
    'create',
    'cluster',
    'dry',
    '--template',
    'sim-k3s',
    '--workers=1',
    '--dry-run=server',
    '-o',
    'yaml',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^apiVersion: slipway.dev\/v1alpha1\nkind: ClusterDeployment\n/);
  assert.match(run.stdout, /config:\n {4}workersNumber: 1\n/);
  assert.equal(stored('default', 'dry'), undefined);
  const post = api.requests.findLast((r) => r.method === 'POST');
  assert.equal(post?.query.get('dryRun'), 'All');
  const line = await slipway(api, ['create', 'cluster', 'dry', '--template=sim-k3s', '--dry-run']);
  assert.equal(line.stdout, 'clusterdeployment/dry created (server dry run)\n');
});

test('bad flags are explained before anything is sent', async () => {
  const before = api.requests.length;
  const cases: [string[], RegExp][] = [
    [['--workers', '-1'], /--workers: "-1" is not a whole number of 0 or more/],
    [['--control-planes', '0'], /--control-planes: "0" is not a whole number of 1 or more/],
    [['--set', 'vcpu'], /--set: "vcpu" is not key=value/],
    [['--workers', '2', '--set', 'workersNumber=3'], /give --workers or --set workersNumber=…/],
    [['--dry-run=server', '--wait'], /--wait cannot be used with --dry-run/],
    [['--timeout', 'soon', '--wait'], /--timeout: invalid duration "soon"/],
    [['--labels', 'env'], /--labels: "env" is not key=value/],
  ];
  for (const [flags, message] of cases) {
    const run = await slipway(api, ['create', 'cluster', 'bad', '--template', 'sim-k3s', ...flags]);
    assert.equal(run.code, 1, flags.join(' '));
    assert.match(run.stderr, message);
  }
  assert.equal(api.requests.length, before);
  const missing = await slipway(api, ['create', 'cluster', 'bad']);
  assert.match(missing.stderr, /required option '--template <template>' not specified/);
});

test('the server refusing the object is reported as kubectl does', async () => {
  const run = await slipway(api, ['create', 'cluster', 'demo', '--template', 'sim-k3s']);
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    'Error from server (AlreadyExists): clusterdeployments "demo" already exists\n',
  );
});
