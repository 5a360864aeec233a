import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterDeployment } from '../../api/index.ts';
import {
  outputMatches,
  setClusterStatus,
  startClusterFakeApi,
  startSlipway,
  type ClusterFakeApi,
} from '../cluster-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let api: ClusterFakeApi;

const cluster = (
  name: string,
  namespace = 'default',
  extra: Partial<ClusterDeployment['metadata']> = {},
): ClusterDeployment => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: { name, namespace, generation: 1, ...extra },
  spec: {
    template: 'k3s-v1',
    credential: 'sim',
    // Template values beside the sizes, which a scale must keep.
    config: { workersNumber: 1, machine: { vcpu: 2 } } as NonNullable<
      ClusterDeployment['spec']['config']
    >,
  },
});

const lastPatch = () => api.patches.at(-1);

before(async () => {
  api = await startClusterFakeApi();
  api.upgradeTargets = { 'k3s-v1': ['k3s-v2'], 'k3s-v2': ['k3s-v3'] };
});
after(() => api.close());

test('scale cluster sends a merge patch of spec.config', async () => {
  api.save('clusterdeployments', cluster('s1', 'team-a'));
  const run = await slipway(api, ['scale', 'cluster', 's1', '--workers', '5', '-n', 'team-a']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'clusterdeployment/s1 scaled\n');
  assert.deepEqual(lastPatch(), {
    path: '/apis/slipway.dev/v1alpha1/namespaces/team-a/clusterdeployments/s1',
    contentType: 'application/merge-patch+json',
    body: { spec: { config: { workersNumber: 5 } } },
  });
  // Other values in spec.config stay as they were.
  const scaled = api.get('clusterdeployments', 'team-a', 's1') as ClusterDeployment;
  assert.deepEqual(scaled.spec.config, { workersNumber: 5, machine: { vcpu: 2 } });
  assert.equal(scaled.metadata.generation, 2);

  const both = await slipway(api, [
    'scale',
    'cld',
    's1',
    '-n',
    'team-a',
    '--workers=0',
    '--control-planes=3',
  ]);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual(lastPatch()?.body, {
    spec: { config: { workersNumber: 0, controlPlaneNumber: 3 } },
  });
});

test('scale cluster: missing sizes, bad numbers and a missing cluster', async () => {
  const patches = api.patches.length;
  const nothing = await slipway(api, ['scale', 'cluster', 's1']);
  assert.equal(nothing.stderr, 'error: say how big: --workers N and/or --control-planes N\n');
  const bad = await slipway(api, ['scale', 'cluster', 's1', '--workers', 'many']);
  assert.match(bad.stderr, /--workers: "many" is not a whole number/);
  assert.equal(api.patches.length, patches);
  const missing = await slipway(api, ['scale', 'cluster', 'ghost', '--workers', '1']);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    'Error from server (NotFound): clusterdeployments "ghost" not found\n',
  );
});

test('scale --wait waits for the controller to see the change, not the Ready of before', async () => {
  api.save('clusterdeployments', {
    ...cluster('s2'),
    status: {
      phase: 'Ready',
      observedGeneration: 1,
      readyNodes: '2/2',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AsExpected',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    },
  });
  const running = startSlipway(api, ['scale', 'cluster', 's2', '--workers', '3', '--wait']);
  // Still Ready, but for generation 1: the wait goes on.
  await outputMatches(running.stdout, /waiting for the controller to observe generation 2/);
  setClusterStatus(api, 'default', 's2', {
    phase: 'Scaling',
    readyNodes: '2/3',
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'WaitingForNodes',
        message: '2/3 nodes Ready',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ],
  });
  await outputMatches(running.stdout, /Scaling 2\/3 nodes \| Ready=False \(WaitingForNodes\)/);
  setClusterStatus(api, 'default', 's2', {
    phase: 'Ready',
    readyNodes: '3/3',
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'AsExpected',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ],
  });
  const run = await running.done;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^clusterdeployment\/s2 scaled\n/);
  assert.match(run.stdout, /\nclusterdeployment\/s2 is Ready \(3\/3 nodes\) after \d+s\n$/);
});

test('upgrade cluster patches spec.template; the server refuses targets off the chain', async () => {
  api.save('clusterdeployments', cluster('u1'));
  const run = await slipway(api, ['upgrade', 'cluster', 'u1', '--template', 'k3s-v2']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'clusterdeployment/u1 upgrading from k3s-v1 to k3s-v2\n');
  assert.deepEqual(lastPatch()?.body, { spec: { template: 'k3s-v2' } });
  assert.equal(lastPatch()?.contentType, 'application/merge-patch+json');

  const again = await slipway(api, ['upgrade', 'cluster', 'u1', '--template', 'k3s-v2']);
  assert.equal(again.stdout, 'clusterdeployment/u1 already uses template k3s-v2\n');

  const skip = await slipway(api, ['upgrade', 'cluster', 'u1', '--template', 'k3s-v9']);
  assert.equal(skip.code, 1);
  assert.equal(
    skip.stderr,
    'Error from server (Invalid): ClusterDeployment "u1" is invalid: spec.template: "k3s-v9" is not an upgrade target of template "k3s-v2" (allowed: k3s-v3)\n',
  );
});

test('upgrade cluster without --template lists the available upgrades', async () => {
  const withStatus = (name: string, status: ClusterDeployment['status']) =>
    api.save('clusterdeployments', { ...cluster(name), ...(status ? { status } : {}) });
  withStatus('u2', {
    observedGeneration: 1,
    version: 'v1.31.4+k3s1',
    availableUpgrades: ['k3s-v2', 'k3s-v2-hardened'],
  });
  const list = await slipway(api, ['upgrade', 'cluster', 'u2']);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(
    list.stdout,
    'clusterdeployment/u2 uses template k3s-v1 (v1.31.4+k3s1); available upgrades:\n' +
      '  k3s-v2\n' +
      '  k3s-v2-hardened\n',
  );
  withStatus('u3', { observedGeneration: 1, availableUpgrades: [] });
  const none = await slipway(api, ['upgrade', 'cluster', 'u3']);
  assert.equal(none.stdout, 'clusterdeployment/u3 uses template k3s-v1; no upgrades available\n');
  withStatus('u4', undefined);
  const unknown = await slipway(api, ['upgrade', 'cluster', 'u4']);
  assert.equal(
    unknown.stdout,
    'clusterdeployment/u4 uses template k3s-v1; its available upgrades are not reported yet\n',
  );
  assert.equal(api.patches.filter((p) => /u[234]$/.test(p.path)).length, 0);
});

test('delete cluster NAME --wait waits until the finalizer is gone', async () => {
  api.save(
    'clusterdeployments',
    cluster('d1', 'default', { finalizers: ['slipway.dev/cluster-deployment'] }),
  );
  const running = startSlipway(api, ['delete', 'cluster', 'd1', '--wait', '--timeout', '10s']);
  await outputMatches(running.stdout, /clusterdeployment\/d1 deleted\n/);
  // Still there, marked for deletion, until the controller removes its finalizer.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const marked = api.get('clusterdeployments', 'default', 'd1');
  assert.ok(marked?.metadata.deletionTimestamp);
  api.save('clusterdeployments', { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  const run = await running.done;
  assert.equal(run.code, 0, run.stderr);
  assert.equal(api.get('clusterdeployments', 'default', 'd1'), undefined);
});
