import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterDeployment, Machine } from '../api/index.ts';
import { condition } from './cluster-api.test-support.ts';
import {
  clusterVerdict,
  currentStep,
  machinesByPhase,
  progressBlock,
  progressLine,
} from './cluster-progress.ts';

const cluster = (
  status: ClusterDeployment['status'],
  /** null: an object without generation. */
  generation: number | null = 1,
): ClusterDeployment => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: { name: 'demo', namespace: 'default', ...(generation ? { generation } : {}) },
  spec: { template: 't', credential: 'c' },
  ...(status ? { status } : {}),
});

const allTrue = [
  condition('TemplateReady', 'True', 'AsExpected'),
  condition('CredentialReady', 'True', 'AsExpected'),
  condition('InfrastructureReady', 'True', 'AsExpected', '4 machines provisioned'),
  condition('ControlPlaneReady', 'True', 'AsExpected'),
  condition('WorkersReady', 'True', 'AsExpected'),
  condition('Ready', 'True', 'AsExpected', '4/4 nodes Ready'),
];

const machine = (name: string, phase?: string, deleting = false): Machine =>
  ({
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Machine',
    metadata: {
      name,
      ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: { clusterName: 'demo', role: 'worker', version: 'v1' },
    ...(phase ? { status: { phase } } : {}),
  }) as Machine;

test('Ready needs condition Ready True, the current generation and no rollout running', () => {
  const ready = { phase: 'Ready' as const, observedGeneration: 1, conditions: allTrue };
  assert.deepEqual(clusterVerdict(cluster(ready)), { state: 'ready' });
  // The controller has not seen the latest change (a scale or an upgrade) yet.
  assert.deepEqual(clusterVerdict(cluster(ready, 2)), { state: 'waiting' });
  // Every wanted node Ready, but machines still going (scale down) or rolling (upgrade).
  assert.deepEqual(clusterVerdict(cluster({ ...ready, phase: 'Scaling' })), { state: 'waiting' });
  assert.deepEqual(clusterVerdict(cluster({ ...ready, phase: 'Upgrading' })), {
    state: 'waiting',
  });
  assert.deepEqual(clusterVerdict(cluster(undefined)), { state: 'waiting' });
  // An object without generation (written by hand) is judged on its conditions.
  assert.deepEqual(clusterVerdict(cluster({ conditions: allTrue }, null)), {
    state: 'ready',
  });
});

test('Failed names the condition that says why; a Failed status of an older spec is ignored', () => {
  const message = 'values for template t are invalid: spec.config.machine.vcpu: must be >= 1';
  const invalid = {
    phase: 'Failed' as const,
    observedGeneration: 1,
    conditions: [
      condition('TemplateReady', 'False', 'InvalidConfig', message),
      condition('Ready', 'False', 'InvalidConfig', message),
    ],
  };
  assert.deepEqual(clusterVerdict(cluster(invalid)), {
    state: 'failed',
    message: `TemplateReady=False (InvalidConfig): ${message}`,
  });
  assert.deepEqual(clusterVerdict(cluster(invalid, 2)), { state: 'waiting' });

  const stopped = {
    phase: 'Failed' as const,
    observedGeneration: 1,
    conditions: [
      condition('ControlPlaneReady', 'False', 'UpgradeFailed', '1/1 control-plane nodes Ready'),
      condition('Ready', 'False', 'UpgradeFailed', 'machine demo-cp-1 failed: no address'),
    ],
  };
  assert.deepEqual(clusterVerdict(cluster(stopped)), {
    state: 'failed',
    message: 'Ready=False (UpgradeFailed): machine demo-cp-1 failed: no address',
  });
});

test('the current step is the first condition not True, in the order a cluster meets them', () => {
  const status = {
    phase: 'Provisioning' as const,
    observedGeneration: 1,
    readyNodes: '0/4',
    conditions: [
      condition('Ready', 'False', 'Provisioning', 'waiting for the cluster API to answer'),
      condition('InfrastructureReady', 'False', 'Provisioning', '1/4 machines provisioned'),
      condition('TemplateReady', 'True', 'AsExpected'),
    ],
  };
  assert.equal(
    currentStep(cluster(status)),
    'InfrastructureReady=False (Provisioning): 1/4 machines provisioned',
  );
  assert.equal(
    currentStep(cluster(status, 3)),
    'waiting for the controller to observe generation 3',
  );
  assert.equal(
    currentStep(cluster({ phase: 'Scaling', observedGeneration: 1, conditions: allTrue })),
    'Ready=True (AsExpected): 4/4 nodes Ready',
  );
  assert.equal(currentStep(cluster(undefined, null)), 'no conditions reported yet');
});

test('machines by phase, furthest along first; deleting ones apart', () => {
  assert.equal(machinesByPhase([]), 'none');
  assert.equal(
    machinesByPhase([
      machine('a', 'Provisioning'),
      machine('b', 'Running'),
      machine('c'),
      machine('d', 'Running'),
      machine('e', 'Running', true),
    ]),
    '2 Running, 1 Provisioning, 1 Pending, 1 Deleting',
  );
});

test('a log line and a terminal block', () => {
  const status = {
    phase: 'Provisioning' as const,
    observedGeneration: 1,
    readyNodes: '1/3',
    version: 'v1.31.4+k3s1',
    conditions: [condition('WorkersReady', 'False', 'WaitingForNodes', '0/2 worker nodes Ready')],
  };
  const snapshot = {
    ref: 'clusterdeployment/demo',
    cluster: cluster(status),
    machines: [machine('a', 'Running'), machine('b', 'Provisioning')],
  };
  assert.equal(
    progressLine(snapshot),
    'Provisioning 1/3 nodes | WorkersReady=False (WaitingForNodes): 0/2 worker nodes Ready | machines: 1 Running, 1 Provisioning',
  );
  assert.deepEqual(progressBlock(snapshot, 75_000), [
    'clusterdeployment/demo: Provisioning 1/3 nodes, v1.31.4+k3s1 (75s)',
    '  WorkersReady=False (WaitingForNodes): 0/2 worker nodes Ready',
    '  machines: 1 Running, 1 Provisioning',
  ]);
  assert.match(
    progressLine({ ...snapshot, machinesUnavailable: 'Forbidden' }),
    /machines: unknown \(Forbidden\)$/,
  );
  // Before the machines are listed, nothing is said about them rather than "none".
  const early = { ref: snapshot.ref, cluster: snapshot.cluster };
  assert.doesNotMatch(progressLine(early), /machines/);
  assert.equal(progressBlock(early, 0).length, 2);
});
