import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeApi, type FakeApi } from '../fake-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let fake: FakeApi;
let dir: string;

const clusterYaml = (
  name: string,
  workers: number,
  labels = '',
) => `apiVersion: slipway.dev/v1alpha1
kind: ClusterDeployment
metadata:
  name: ${name}
${labels}spec:
  template: k3s-1-31
  credential: pve
  config:
    workersNumber: ${workers}
`;

before(async () => {
  fake = await startFakeApi();
  dir = await mkdtemp(join(tmpdir(), 'slipway-apply-'));
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

test('apply creates, then reports unchanged, then configured', async () => {
  const file = join(dir, 'demo.yaml');
  await writeFile(file, clusterYaml('demo', 2));
  const first = await slipway(fake, ['apply', '-f', file]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'clusterdeployment/demo created\n');
  assert.equal(fake.get('clusterdeployments', 'default', 'demo')?.metadata.namespace, 'default');

  const again = await slipway(fake, ['apply', '-f', file]);
  assert.equal(again.stdout, 'clusterdeployment/demo unchanged\n');
  assert.equal(fake.requests.filter((r) => r.method === 'PUT' && !r.query.has('dryRun')).length, 0);

  await writeFile(file, clusterYaml('demo', 3));
  const changed = await slipway(fake, ['apply', '-f', file]);
  assert.equal(changed.stdout, 'clusterdeployment/demo configured\n');
  const stored = fake.get('clusterdeployments', 'default', 'demo');
  assert.deepEqual(stored?.spec, {
    template: 'k3s-1-31',
    credential: 'pve',
    config: { workersNumber: 3 },
  });
  assert.equal(stored?.metadata.generation, 2);
});

test('a label change alone is a change', async () => {
  await slipway(fake, ['apply', '-f', '-'], { stdin: clusterYaml('labelled', 1) });
  const run = await slipway(fake, ['apply', '-f', '-'], {
    stdin: clusterYaml('labelled', 1, '  labels:\n    env: prod\n'),
  });
  assert.equal(run.stdout, 'clusterdeployment/labelled configured\n');
});

test('labels and annotations dropped from the manifest since the last apply are removed', async () => {
  const labelled = (labels: string) =>
    clusterYaml('pruned', 1, labels).replace('spec:', '  annotations:\n    note: hi\nspec:');
  await slipway(fake, ['apply', '-f', '-'], {
    stdin: labelled('  labels:\n    env: prod\n    tier: web\n'),
  });
  // Someone else (a controller, kubectl label) adds a label the manifest never had.
  const stored = fake.get('clusterdeployments', 'default', 'pruned');
  assert.ok(stored);
  stored.metadata.labels = { ...stored.metadata.labels, 'set-by': 'controller' };

  const run = await slipway(fake, ['apply', '-f', '-'], {
    stdin: clusterYaml('pruned', 1, '  labels:\n    env: prod\n'),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'clusterdeployment/pruned configured\n');
  const after = fake.get('clusterdeployments', 'default', 'pruned');
  assert.deepEqual(after?.metadata.labels, { env: 'prod', 'set-by': 'controller' });
  assert.equal(after?.metadata.annotations?.['note'], undefined);

  const again = await slipway(fake, ['apply', '-f', '-'], {
    stdin: clusterYaml('pruned', 1, '  labels:\n    env: prod\n'),
  });
  assert.equal(again.stdout, 'clusterdeployment/pruned unchanged\n');
});

test('--dry-run=server stores nothing and says so', async () => {
  const create = await slipway(fake, ['apply', '-f', '-', '--dry-run=server', '-n', 'team-b'], {
    stdin: clusterYaml('dry', 1),
  });
  assert.equal(create.stdout, 'clusterdeployment/dry created (server dry run)\n');
  assert.equal(fake.get('clusterdeployments', 'team-b', 'dry'), undefined);
  assert.equal(fake.requests.at(-1)?.query.get('dryRun'), 'All');

  const update = await slipway(fake, ['apply', '-f', '-', '--dry-run=server'], {
    stdin: clusterYaml('demo', 7),
  });
  assert.equal(update.stdout, 'clusterdeployment/demo configured (server dry run)\n');
  assert.equal(
    (
      fake.get('clusterdeployments', 'default', 'demo')?.spec as {
        config: { workersNumber: number };
      }
    ).config.workersNumber,
    3,
  );

  // A bare --dry-run means the server strategy, as in kubectl.
  const bare = await slipway(fake, ['apply', '-f', '-', '--dry-run'], {
    stdin: clusterYaml('bare', 1),
  });
  assert.equal(bare.stdout, 'clusterdeployment/bare created (server dry run)\n');
  assert.equal(fake.get('clusterdeployments', 'default', 'bare'), undefined);
});

test('a directory applies in name order; failures are reported per object with field causes', async () => {
  const manifests = join(dir, 'manifests');
  await mkdir(manifests);
  await writeFile(join(manifests, '20-bad.yaml'), clusterYaml('bad', -1));
  await writeFile(
    join(manifests, '10-good.yaml'),
    `${clusterYaml('good-a', 1)}---\n${clusterYaml('good-b', 1)}`,
  );
  await writeFile(
    join(manifests, '30-unknown.json'),
    JSON.stringify({ apiVersion: 'slipway.dev/v1alpha1', kind: 'Widget', metadata: { name: 'w' } }),
  );
  const run = await slipway(fake, ['apply', '-f', manifests]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, 'clusterdeployment/good-a created\nclusterdeployment/good-b created\n');
  assert.match(
    run.stderr,
    /Error from server \(Invalid\): error applying clusterdeployment\/bad from .*20-bad.yaml: ClusterDeployment "bad" is invalid\n {2}\* spec.config.workersNumber: must be greater than or equal to 0\n/,
  );
  assert.match(run.stderr, /30-unknown.json: no matches for kind "Widget"/);
});

test('a namespace that contradicts -n is refused; bad YAML fails before anything is applied', async () => {
  const withNs = clusterYaml('ns', 1).replace('  name: ns\n', '  name: ns\n  namespace: team-a\n');
  const run = await slipway(fake, ['apply', '-f', '-', '-n', 'team-b'], { stdin: withNs });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /namespace from the provided object "team-a" does not match the namespace "team-b"/,
  );

  const before = fake.requests.length;
  const bad = await slipway(fake, ['apply', '-f', '-'], {
    stdin: `${clusterYaml('x', 1)}---\nkind: [\n`,
  });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /stdin \(document 2\): invalid YAML/);
  assert.equal(fake.requests.length, before);
});

test('apply without -f or with --dry-run=client explains itself', async () => {
  const missing = await slipway(fake, ['apply']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /must specify -f FILE/);
  const client = await slipway(fake, ['apply', '-f', '-', '--dry-run=client']);
  assert.match(client.stderr, /--dry-run=client is not supported/);
});
