import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AnyResource } from '../../api/index.ts';
import { startFakeApi, type FakeApi } from '../fake-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let fake: FakeApi;

const cluster = (name: string, namespace: string, ready: string): AnyResource => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: { name, namespace, creationTimestamp: new Date(Date.now() - 5 * 60_000).toISOString() },
  spec: { template: 'k3s-1-31', credential: 'pve' },
  status: {
    phase: 'Provisioning',
    readyNodes: '1/3',
    conditions: [
      {
        type: 'Ready',
        status: ready,
        reason: 'WaitingForNodes',
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  },
});

before(async () => {
  fake = await startFakeApi();
  fake.save('clusterdeployments', cluster('demo', 'default', 'False'));
  fake.save('clusterdeployments', cluster('other', 'team-a', 'True'));
});
after(() => fake.close());

test('get lists a kind as a table with its columns', async () => {
  const run = await slipway(fake, ['get', 'clusterdeployments']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    'NAME   TEMPLATE   PHASE          NODES   READY   AGE\ndemo   k3s-1-31   Provisioning   1/3     False   5m\n',
  );
});

test('-A adds a NAMESPACE column and lists every namespace; -o wide adds wide columns', async () => {
  const run = await slipway(fake, ['get', 'CLD', '-A', '-o', 'wide']);
  assert.equal(run.code, 0, run.stderr);
  const [header, ...rows] = run.stdout.trimEnd().split('\n');
  assert.match(
    header ?? '',
    /^NAMESPACE\s+NAME\s+TEMPLATE\s+PHASE\s+NODES\s+READY\s+VERSION\s+ENDPOINT\s+AGE$/,
  );
  assert.deepEqual(
    rows.map((r) => r.split(/\s+/).slice(0, 2)),
    [
      ['default', 'demo'],
      ['team-a', 'other'],
    ],
  );
  assert.equal(fake.requests.at(-1)?.path, '/apis/slipway.dev/v1alpha1/clusterdeployments');
});

test('one object by KIND NAME or KIND/NAME, as YAML, JSON or name', async () => {
  const yaml = await slipway(fake, ['get', 'clusterdeployment', 'demo', '-o', 'yaml']);
  assert.match(yaml.stdout, /^apiVersion: slipway.dev\/v1alpha1\nkind: ClusterDeployment\n/);
  const json = await slipway(fake, ['get', 'cld/other', '-n', 'team-a', '-o', 'json']);
  assert.equal((JSON.parse(json.stdout) as AnyResource).metadata.name, 'other');
  const names = await slipway(fake, ['get', 'clusters', '-o', 'name']);
  assert.equal(names.stdout, 'clusterdeployment/demo\n');
});

test('selectors are passed to the server', async () => {
  await slipway(fake, ['get', 'cld', '-l', 'env=prod', '--field-selector', 'metadata.name=demo']);
  const query = fake.requests.at(-1)?.query;
  assert.equal(query?.get('labelSelector'), 'env=prod');
  assert.equal(query?.get('fieldSelector'), 'metadata.name=demo');
});

test('nothing found is said like kubectl, on stderr', async () => {
  const run = await slipway(fake, ['get', 'machines', '-n', 'empty']);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, 'No resources found in empty namespace.\n');
  const global = await slipway(fake, ['get', 'ippools']);
  assert.equal(global.stderr, 'No resources found.\n');
});

test('a missing object fails with the server message', async () => {
  const run = await slipway(fake, ['get', 'cld', 'nope']);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'Error from server (NotFound): clusterdeployments "nope" not found\n');
});

test('unknown kinds and missing connection settings are clear errors', async () => {
  const unknown = await slipway(fake, ['get', 'widgets']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /doesn't have a resource type "widgets"/);
  const unconfigured = await slipway(undefined, ['get', 'cld']);
  assert.equal(unconfigured.code, 1);
  assert.match(unconfigured.stderr, /no server or token configured/);
});

test('a wrong token is reported without echoing it', async () => {
  const run = await slipway(fake, ['get', 'cld', '--token', 'wrong-secret']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Error from server \(Unauthorized\)/);
  assert.doesNotMatch(run.stderr + run.stdout, /wrong-secret/);
});

test('--watch prints the table, then a row per change', async () => {
  const controller = new AbortController();
  let changed = false;
  const run = slipway(fake, ['get', 'cld', '--watch'], {
    signal: controller.signal,
    onStdout: (text) => {
      if (!changed && text.includes('demo')) {
        changed = true;
        fake.save('clusterdeployments', cluster('demo', 'default', 'True'));
      } else if (text.split('\n').length > 3) {
        controller.abort();
      }
    },
  });
  const { code, stdout } = await run;
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+TEMPLATE/);
  assert.match(lines[1] ?? '', /^demo .* False /);
  assert.match(lines[2] ?? '', /^demo .* True /);
});

test('several kinds and names: found objects are printed, missing ones reported', async () => {
  const run = await slipway(fake, ['get', 'cld,ct', 'demo']);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /^NAME\s+TEMPLATE/);
  assert.match(run.stdout, /\ndemo\s+k3s-1-31/);
  assert.equal(run.stderr, 'Error from server (NotFound): clustertemplates "demo" not found\n');
  const lists = await slipway(fake, ['get', 'cld,machines', '-o', 'name']);
  assert.equal(lists.stdout, 'clusterdeployment/demo\n');
  const acrossNamespaces = await slipway(fake, ['get', 'cld', 'demo', '-A']);
  assert.match(acrossNamespaces.stderr, /cannot be retrieved by name across all namespaces/);
});
