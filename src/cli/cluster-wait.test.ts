import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterDeployment, ClusterTemplate, Condition, Credential } from '../api/index.ts';
import {
  condition,
  outputMatches,
  saveMachine,
  setClusterStatus,
  startClusterFakeApi,
  startSlipway,
  type ClusterFakeApi,
} from './cluster-api.test-support.ts';

let api: ClusterFakeApi;

before(async () => {
  api = await startClusterFakeApi();
  const template: ClusterTemplate = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterTemplate',
    metadata: { name: 'sim-k3s', namespace: 'slipway-system' },
    spec: { provider: 'sim', distribution: { name: 'k3s', version: 'v1.31.4+k3s1' } },
  };
  const credential: Credential = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Credential',
    metadata: { name: 'sim', namespace: 'slipway-system' },
    spec: { provider: 'sim' },
  };
  api.save('clustertemplates', template);
  api.save('credentials', credential);
});
after(() => api.close());

const preflightOk = [
  condition('TemplateReady', 'True', 'AsExpected'),
  condition('CredentialReady', 'True', 'AsExpected'),
];

const provisioning = (provisioned: number, wanted: number): Condition[] => [
  ...preflightOk,
  condition(
    'InfrastructureReady',
    'False',
    'Provisioning',
    `${provisioned}/${wanted} machines provisioned`,
  ),
  condition('Ready', 'False', 'Provisioning', 'waiting for the cluster API to answer'),
];

const readyConditions = [
  ...preflightOk,
  condition('InfrastructureReady', 'True', 'AsExpected'),
  condition('ControlPlaneReady', 'True', 'AsExpected'),
  condition('WorkersReady', 'True', 'AsExpected'),
  condition('Ready', 'True', 'AsExpected', '3/3 nodes Ready'),
];

/** Wait until the command watches both the cluster and the machines. */
async function watching(from: number): Promise<void> {
  const watched = (plural: string) =>
    api.requests
      .slice(from)
      .some((r) => r.query.get('watch') === 'true' && r.path.endsWith(`/${plural}`));
  const deadline = Date.now() + 5000;
  while (!watched('clusterdeployments') || !watched('machines')) {
    if (Date.now() > deadline) throw new Error('the command never watched');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const progressLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('['));

test('create --wait logs a line per change, with machines by phase, and ends 0 on Ready', async () => {
  const from = api.requests.length;
  const running = startSlipway(api, [
    'create',
    'cluster',
    'c1',
    '--template',
    'sim-k3s',
    '--workers',
    '2',
    '--wait',
  ]);
  await watching(from);
  // Created, not looked at by the controller yet.
  await outputMatches(
    running.stdout,
    /\] \(no phase yet\) \| waiting for the controller to observe generation 1 \| machines: none\n/,
  );
  setClusterStatus(api, 'default', 'c1', {
    phase: 'Provisioning',
    readyNodes: '0/3',
    conditions: provisioning(0, 3),
  });
  await outputMatches(running.stdout, /0\/3 machines provisioned \| machines: none\n/);
  saveMachine(api, 'default', 'c1', 'c1-cp-0', 'Running');
  saveMachine(api, 'default', 'c1', 'c1-worker-a', 'Provisioning');
  saveMachine(api, 'default', 'c1', 'c1-worker-b', undefined);
  // Another cluster's machine does not count, even if the server sent it.
  saveMachine(api, 'default', 'other', 'other-cp-0', 'Failed');
  await outputMatches(running.stdout, /machines: 1 Running, 1 Provisioning, 1 Pending\n/);
  const before = progressLines(running.stdout()).length;
  // The same status written again is no change worth a line.
  setClusterStatus(api, 'default', 'c1', {
    phase: 'Provisioning',
    readyNodes: '0/3',
    conditions: provisioning(0, 3),
  });
  setClusterStatus(api, 'default', 'c1', {
    phase: 'Provisioning',
    readyNodes: '1/3',
    conditions: provisioning(1, 3),
  });
  await outputMatches(running.stdout, /1\/3 machines provisioned/);
  assert.equal(progressLines(running.stdout()).length, before + 1);
  for (const name of ['c1-worker-a', 'c1-worker-b'])
    saveMachine(api, 'default', 'c1', name, 'Running');
  setClusterStatus(api, 'default', 'c1', {
    phase: 'Ready',
    readyNodes: '3/3',
    version: 'v1.31.4+k3s1',
    conditions: readyConditions,
  });
  const run = await running.done;
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.split('\n');
  assert.equal(lines[0], 'clusterdeployment/c1 created');
  assert.match(
    run.stdout,
    /\n\[\d+s\] Provisioning 0\/3 nodes \| InfrastructureReady=False \(Provisioning\): 0\/3 machines provisioned \| machines: none\n/,
  );
  assert.match(
    run.stdout,
    /\n\[\d+s\] Ready 3\/3 nodes \| Ready=True \(AsExpected\): 3\/3 nodes Ready \| machines: 3 Running\n/,
  );
  assert.match(
    run.stdout,
    /\nclusterdeployment\/c1 is Ready \(3\/3 nodes, v1\.31\.4\+k3s1\) after \d+s\n$/,
  );
});

test('a cluster that fails ends the wait with the failing condition', async () => {
  const message = 'values for template sim-k3s are invalid: spec.config.machine.vcpu: must be >= 1';
  const from = api.requests.length;
  const running = startSlipway(api, [
    'create',
    'cluster',
    'c2',
    '--template',
    'sim-k3s',
    '--set',
    'machine.vcpu=0',
    '--wait',
  ]);
  await watching(from);
  setClusterStatus(api, 'default', 'c2', {
    phase: 'Failed',
    conditions: [
      condition('TemplateReady', 'False', 'InvalidConfig', message),
      condition('Ready', 'False', 'InvalidConfig', message),
    ],
  });
  const run = await running.done;
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    `error: clusterdeployment/c2 failed: TemplateReady=False (InvalidConfig): ${message}\n`,
  );
  assert.match(run.stdout, /\] Failed \| TemplateReady=False \(InvalidConfig\)/);
});

test('the timeout says what was awaited and where the cluster stood', async () => {
  api.save('clusterdeployments', {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: 'c3', namespace: 'default', generation: 1 },
    spec: { template: 'sim-k3s', credential: 'sim' },
  });
  setClusterStatus(api, 'default', 'c3', {
    phase: 'Provisioning',
    readyNodes: '0/1',
    conditions: provisioning(0, 1),
  });
  const run = await startSlipway(api, [
    'wait',
    'cld/c3',
    '--for=condition=Ready',
    '--timeout=300ms',
  ]).done;
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    'error: timed out waiting for clusterdeployment/c3 to be Ready; last seen: Provisioning 0/1 nodes | InfrastructureReady=False (Provisioning): 0/1 machines provisioned | machines: none\n',
  );
  assert.match(run.stdout, /^\[0s\] Provisioning 0\/1 nodes/);
});

test('slipway wait --for=condition=Ready fails fast on Failed, and when the cluster goes', async () => {
  const failed: ClusterDeployment = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: 'w1', namespace: 'default', generation: 1 },
    spec: { template: 'sim-k3s', credential: 'sim' },
    status: {
      phase: 'Failed',
      observedGeneration: 1,
      conditions: [condition('Ready', 'False', 'UpgradeFailed', 'machine w1-cp-1 failed')],
    },
  };
  api.save('clusterdeployments', failed);
  const run = await startSlipway(api, ['wait', 'cld/w1', '--for=condition=Ready', '--timeout=1m'])
    .done;
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    'error: clusterdeployment/w1 failed: Ready=False (UpgradeFailed): machine w1-cp-1 failed\n',
  );

  const w2 = { ...failed, metadata: { name: 'w2', namespace: 'default', generation: 1 } };
  api.save('clusterdeployments', w2);
  setClusterStatus(api, 'default', 'w2', { phase: 'Provisioning', conditions: provisioning(0, 1) });
  const from = api.requests.length;
  const running = startSlipway(api, ['wait', 'cld/w2', '--for=condition=Ready', '--timeout=1m']);
  await watching(from);
  api.save('clusterdeployments', {
    ...w2,
    metadata: { ...w2.metadata, deletionTimestamp: new Date().toISOString() },
  });
  const gone = await running.done;
  assert.equal(gone.code, 1);
  assert.equal(
    gone.stderr,
    'error: clusterdeployment/w2 was deleted while waiting for it to be Ready\n',
  );
});

test('on a terminal the block is redrawn in place and cut to the width', async () => {
  const from = api.requests.length;
  const running = startSlipway(
    api,
    ['create', 'cluster', 'c4', '--template', 'sim-k3s', '--wait'],
    { terminal: { columns: 50 } },
  );
  await watching(from);
  await outputMatches(running.stdout, /clusterdeployment\/c4: \(no phase yet\)/);
  setClusterStatus(api, 'default', 'c4', {
    phase: 'Provisioning',
    readyNodes: '0/1',
    conditions: provisioning(0, 1),
  });
  saveMachine(api, 'default', 'c4', 'c4-cp-0', 'Provisioning');
  await outputMatches(running.stdout, /machines: 1 Provisioning\n$/);
  setClusterStatus(api, 'default', 'c4', {
    phase: 'Ready',
    readyNodes: '1/1',
    conditions: readyConditions,
  });
  const run = await running.done;
  assert.equal(run.code, 0, run.stderr);
  // Each redraw goes back up over the three lines drawn before and clears them.
  assert.ok(run.stdout.includes('\x1b[3F\x1b[J'), JSON.stringify(run.stdout));
  const block = run.stdout.split('\x1b[3F\x1b[J').at(-1) ?? '';
  assert.deepEqual(block.split('\n').slice(0, 3), [
    'clusterdeployment/c4: Ready 1/1 nodes (0s)',
    '  Ready=True (AsExpected): 3/3 nodes Ready',
    '  machines: 1 Provisioning',
  ]);
  const drawn = run.stdout
    .split('\x1b[3F\x1b[J')
    .flatMap((part) => part.split('\n'))
    .filter((line) => !/^clusterdeployment\/c4 (created|is Ready)/.test(line));
  for (const line of drawn) assert.ok(line.length <= 49, `${line.length}: ${line}`);
  assert.ok(drawn.includes('  InfrastructureReady=False (Provisioning): 0/1 …'), drawn.join('\n'));
});
