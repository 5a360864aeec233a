import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AnyResource } from '../../api/index.ts';
import { startFakeApi, type FakeApi } from '../fake-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let fake: FakeApi;

const cluster = (name: string, extra: Partial<AnyResource['metadata']> = {}): AnyResource => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: { name, namespace: 'default', ...extra },
  spec: { template: 'k3s', credential: 'pve' },
});

const withReady = (object: AnyResource, status: string): AnyResource => ({
  ...object,
  status: {
    conditions: [
      { type: 'Ready', status, reason: 'Test', lastTransitionTime: new Date().toISOString() },
    ],
  },
});

before(async () => {
  fake = await startFakeApi();
});
after(() => fake.close());

/** Run `change` once the command has started watching. */
function whenWatching(change: () => void): void {
  const started = fake.requests.length;
  const timer = setInterval(() => {
    if (fake.requests.slice(started).some((r) => r.query.get('watch') === 'true')) {
      clearInterval(timer);
      change();
    }
  }, 5);
}

test('wait returns once the condition is met', async () => {
  fake.save('clusterdeployments', withReady(cluster('w1'), 'False'));
  whenWatching(() => fake.save('clusterdeployments', withReady(cluster('w1'), 'True')));
  const run = await slipway(fake, [
    'wait',
    'clusterdeployment/w1',
    '--for=condition=Ready',
    '--timeout=10s',
  ]);
  assert.equal(run.code, 0, run.stderr);
  // A cluster waited on for Ready logs its progress (cluster-wait.test.ts) before the verdict.
  assert.match(run.stdout, /^\[0s\] .*Ready=(False|True) \(Test\)/);
  assert.match(run.stdout, /\nclusterdeployment\/w1 condition met\n$/);
});

test('wait already satisfied, and Ready=False', async () => {
  fake.save('clusterdeployments', withReady(cluster('w2'), 'False'));
  const run = await slipway(fake, ['wait', 'cld', 'w2', '--for', 'condition=Ready=False']);
  assert.equal(run.code, 0, run.stderr);
});

test('wait times out with a clear message', async () => {
  fake.save('clusterdeployments', withReady(cluster('w3'), 'False'));
  const run = await slipway(fake, ['wait', 'cld/w3', '--for=condition=Ready', '--timeout=300ms']);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^error: timed out waiting for clusterdeployment\/w3 to be Ready; last seen: .*Ready=False \(Test\)/,
  );
});

test('wait for a missing object fails at once; bad --for and --timeout are explained', async () => {
  const missing = await slipway(fake, ['wait', 'cld/ghost', '--for=condition=Ready']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /clusterdeployments "ghost" not found/);
  const badFor = await slipway(fake, ['wait', 'cld/w3', '--for=ready']);
  assert.match(badFor.stderr, /unrecognized --for "ready"/);
  const badTimeout = await slipway(fake, ['wait', 'cld/w3', '--for=delete', '--timeout=soon']);
  assert.match(badTimeout.stderr, /--timeout: invalid duration "soon"/);
});

test('wait resumes after the server forgets the resourceVersion (410)', async () => {
  fake.save('clusterdeployments', withReady(cluster('w4'), 'False'));
  fake.compactedRevision = Number.MAX_SAFE_INTEGER;
  whenWatching(() => {
    fake.compactedRevision = 0;
    fake.save('clusterdeployments', withReady(cluster('w4'), 'True'));
  });
  const run = await slipway(fake, ['wait', 'cld/w4', '--for=condition=Ready', '--timeout=10s']);
  assert.equal(run.code, 0, run.stderr);
});

test('delete prints kind/name deleted; --wait waits for finalizers', async () => {
  fake.save('clusterdeployments', cluster('d1'));
  const plain = await slipway(fake, ['delete', 'cld', 'd1']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, 'clusterdeployment/d1 deleted\n');
  assert.equal(fake.get('clusterdeployments', 'default', 'd1'), undefined);

  fake.save('clusterdeployments', cluster('d2', { finalizers: ['slipway.dev/cleanup'] }));
  whenWatching(() => {
    const marked = fake.get('clusterdeployments', 'default', 'd2');
    assert.ok(marked?.metadata.deletionTimestamp);
    fake.save('clusterdeployments', {
      ...marked,
      metadata: { ...marked.metadata, finalizers: [] },
    });
  });
  const waited = await slipway(fake, ['delete', 'cld/d2', '--wait', '--timeout', '10s']);
  assert.equal(waited.code, 0, waited.stderr);
  assert.equal(fake.get('clusterdeployments', 'default', 'd2'), undefined);
});

test('delete --wait times out while finalizers remain', async () => {
  fake.save('clusterdeployments', cluster('d3', { finalizers: ['slipway.dev/cleanup'] }));
  const run = await slipway(fake, ['delete', 'cld/d3', '--wait', '--timeout=200ms']);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, 'clusterdeployment/d3 deleted\n');
  assert.match(run.stderr, /timed out waiting for the deletion on clusterdeployment\/d3/);
});

test('delete -f, missing objects, --ignore-not-found', async () => {
  fake.save('clusterdeployments', cluster('d4'));
  const manifest =
    'apiVersion: slipway.dev/v1alpha1\nkind: ClusterDeployment\nmetadata:\n  name: d4\n';
  const byFile = await slipway(fake, ['delete', '-f', '-'], { stdin: manifest });
  assert.equal(byFile.stdout, 'clusterdeployment/d4 deleted\n');
  const missing = await slipway(fake, ['delete', 'cld', 'd4']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error from server (NotFound): clusterdeployments "d4" not found\n');
  const ignored = await slipway(fake, ['delete', 'cld', 'd4', '--ignore-not-found']);
  assert.equal(ignored.code, 0);
  const nothing = await slipway(fake, ['delete']);
  assert.match(nothing.stderr, /must specify -f FILE or KIND NAME/);
});
