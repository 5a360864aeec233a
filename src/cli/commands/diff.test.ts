import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeApi, type FakeApi } from '../fake-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let fake: FakeApi;

const template = (version: string) => `apiVersion: slipway.dev/v1alpha1
kind: ClusterTemplate
metadata:
  name: k3s
spec:
  provider: sim
  distribution:
    name: k3s
    version: ${version}
`;

before(async () => {
  fake = await startFakeApi();
  const created = await slipway(fake, ['apply', '-f', '-'], { stdin: template('v1.31.4+k3s1') });
  assert.equal(created.code, 0, created.stderr);
});
after(() => fake.close());

test('no differences: exit 0 and no output', async () => {
  const run = await slipway(fake, ['diff', '-f', '-'], { stdin: template('v1.31.4+k3s1') });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
});

test('differences: a unified diff of the YAML, exit 1, nothing stored', async () => {
  const run = await slipway(fake, ['diff', '-f', '-'], { stdin: template('v1.32.0+k3s1') });
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stdout,
    /^--- live\/clustertemplate\/default\/k3s\n\+\+\+ merged\/clustertemplate\/default\/k3s\n@@ /,
  );
  assert.match(run.stdout, /\n- {4}version: v1.31.4\+k3s1\n\+ {4}version: v1.32.0\+k3s1\n/);
  assert.doesNotMatch(run.stdout, /resourceVersion|uid|generation|creationTimestamp/);
  const stored = fake.get('clustertemplates', 'default', 'k3s');
  assert.match(JSON.stringify(stored?.spec), /v1.31.4/);
});

test('a new object diffs against nothing', async () => {
  const run = await slipway(fake, ['diff', '-f', '-'], {
    stdin: template('v1').replace('name: k3s\nspec', 'name: fresh\nspec'),
  });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /@@ -0,0 \+1,\d+ @@\n\+apiVersion: slipway.dev\/v1alpha1\n/);
  assert.equal(fake.get('clustertemplates', 'default', 'fresh'), undefined);
});

test('Secret values are masked, showing only which keys change', async () => {
  const secret = (data: string) => `apiVersion: slipway.dev/v1alpha1
kind: Secret
metadata:
  name: creds
data:
${data}`;
  const created = await slipway(fake, ['apply', '-f', '-'], {
    stdin: secret('  same: c2FtZQ==\n  changed: b2xk\n'),
  });
  assert.equal(created.code, 0, created.stderr);
  const run = await slipway(fake, ['diff', '-f', '-'], {
    stdin: secret('  same: c2FtZQ==\n  changed: bmV3\n  added: YWRkZWQ=\n'),
  });
  assert.equal(run.code, 1, run.stderr);
  for (const value of ['c2FtZQ==', 'b2xk', 'bmV3', 'YWRkZWQ=']) {
    assert.ok(!run.stdout.includes(value), `${value} leaked:\n${run.stdout}`);
  }
  assert.match(run.stdout, /\n {3}same: "\*\*\*"\n/);
  assert.match(run.stdout, /\n- {2}changed: "\*\*\* \(before\)"\n/);
  assert.match(run.stdout, /\n\+ {2}changed: "\*\*\* \(after\)"\n/);
  assert.match(run.stdout, /\n\+ {2}added: "\*\*\*"\n/);
});

test('errors exit with 2', async () => {
  const run = await slipway(fake, ['diff', '-f', '-'], {
    stdin: 'kind: Widget\napiVersion: slipway.dev/v1alpha1\nmetadata: {name: w}\n',
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no matches for kind "Widget"/);
  const missing = await slipway(fake, ['diff']);
  assert.equal(missing.code, 2);
});
