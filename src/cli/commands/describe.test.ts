import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AnyResource } from '../../api/index.ts';
import { startFakeApi, type FakeApi } from '../fake-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let fake: FakeApi;
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

before(async () => {
  fake = await startFakeApi();
  fake.save('clusterdeployments', {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: {
      name: 'demo',
      namespace: 'default',
      uid: 'uid-demo',
      labels: { env: 'lab', team: 'a' },
      creationTimestamp: minutesAgo(10),
      finalizers: ['slipway.dev/cleanup'],
    },
    spec: { template: 'k3s-1-31', credential: 'pve', config: { workersNumber: 2 } },
    status: {
      phase: 'Provisioning',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'WaitingForNodes',
          message: '1 of 3 nodes Ready',
          lastTransitionTime: minutesAgo(3),
        },
      ],
    },
  });
  const event = (
    name: string,
    involved: string,
    reason: string,
    extra: Partial<AnyResource> = {},
  ): AnyResource => ({
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'ClusterDeployment', name: involved, namespace: 'default' },
    type: 'Normal',
    reason,
    message: `${reason} happened`,
    lastTimestamp: minutesAgo(2),
    source: { component: 'cluster-controller' },
    ...extra,
  });
  fake.save(
    'events',
    event('e1', 'demo', 'CloningVM', { count: 3, firstTimestamp: minutesAgo(9) }),
  );
  fake.save('events', event('e2', 'other', 'NotAboutDemo'));
  fake.save('secrets', {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Secret',
    metadata: { name: 'kubeconfig', namespace: 'default' },
    type: 'slipway.dev/kubeconfig',
    data: { value: Buffer.from('top secret value').toString('base64') },
  });
});
after(() => fake.close());

test('describe shows metadata, spec, status, conditions and the events of the object', async () => {
  const run = await slipway(fake, ['describe', 'cld', 'demo']);
  assert.equal(run.code, 0, run.stderr);
  const out = run.stdout;
  assert.match(
    out,
    /^Name: {9}demo\nNamespace: {4}default\nLabels: {7}env=lab\n {14}team=a\nAnnotations: {2}<none>\n/,
  );
  assert.match(out, /\n {2}Finalizers: {10}slipway.dev\/cleanup\n/);
  assert.match(
    out,
    /\nSpec:\n {2}template: k3s-1-31\n {2}credential: pve\n {2}config:\n {4}workersNumber: 2\n/,
  );
  assert.match(out, /\nStatus:\n {2}phase: Provisioning\n/);
  assert.match(
    out,
    /\nConditions:\n {2}TYPE {4}STATUS {3}REASON {12}AGE {3}MESSAGE\n {2}Ready {3}False {4}WaitingForNodes {3}3m {4}1 of 3 nodes Ready\n/,
  );
  assert.match(
    out,
    /\nEvents:\n {2}TYPE +REASON +AGE +FROM +MESSAGE\n {2}Normal +CloningVM +2m \(x3 over 9m\) +cluster-controller +CloningVM happened\n$/,
  );
  assert.doesNotMatch(out, /NotAboutDemo/);
});

test('describe never shows secret values, only their sizes', async () => {
  const run = await slipway(fake, ['describe', 'secret/kubeconfig']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /\nType: {9}slipway.dev\/kubeconfig\nData:\n {2}value: 16 bytes\n/);
  assert.doesNotMatch(run.stdout, /top secret|dG9w/);
  assert.match(run.stdout, /\nEvents:\n {2}<none>\n/);
});

test('describe of a missing object fails with the server message', async () => {
  const run = await slipway(fake, ['describe', 'cld', 'ghost']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /NotFound/);
});
