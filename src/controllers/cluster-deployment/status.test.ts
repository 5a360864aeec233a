import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { MachineView, Plan } from './plan.ts';
import { observedStatus, type ObservedCluster } from './status.ts';

const now = new Date('2026-11-21T10:00:00Z');

function view(name: string, role: MachineView['role'], state: Partial<MachineView>): MachineView {
  return {
    name,
    role,
    template: 'sim-k3s-single',
    version: 'v1.32.1+k3s1',
    createdAt: '2026-11-21T09:00:00Z',
    deleting: false,
    deleteRequested: false,
    ready: true,
    hasNode: true,
    notReadySince: undefined,
    failed: false,
    failureMessage: undefined,
    ...state,
  };
}

function observed(views: MachineView[], plan: Partial<Plan>, workers: number): ObservedCluster {
  const cluster: ClusterDeployment = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: 'demo', namespace: 'default', generation: 2 },
    spec: { template: 'sim-k3s-single', credential: 'sim' },
    status: { phase: 'Ready' },
  };
  return {
    cluster,
    now,
    preflight: [],
    want: { controlPlanes: 1, workers, version: 'v1.32.1+k3s1' },
    machines: [],
    views,
    plan: {
      creates: [],
      deletes: [],
      controlPlane: 'Stable',
      workers: 'Stable',
      upgrading: false,
      ...plan,
    },
    apiAvailable: true,
    endpoint: undefined,
    kubeconfigSecret: undefined,
    availableUpgrades: [],
    blocker: undefined,
  };
}

describe('ClusterDeployment phase after it was Ready', () => {
  test('machines of a scale-up whose nodes have not registered yet: Scaling', () => {
    const views = [
      view('demo-cp-0', 'control-plane', {}),
      view('demo-md-0', 'worker', {}),
      view('demo-md-1', 'worker', { ready: false, hasNode: false }),
      view('demo-md-2', 'worker', { ready: false, hasNode: false }),
    ];
    const status = observedStatus(observed(views, { workers: 'ScalingUp' }, 3));
    assert.equal(status.phase, 'Scaling');
  });

  test('a replacement machine coming up while the wanted count is met: still Scaling', () => {
    const views = [
      view('demo-cp-0', 'control-plane', {}),
      view('demo-md-0', 'worker', {}),
      view('demo-md-3', 'worker', { ready: false, hasNode: false }),
    ];
    assert.equal(observedStatus(observed(views, {}, 2)).phase, 'Scaling');
  });

  test('a registered node that is NotReady: Degraded, even while others come up', () => {
    const views = [
      view('demo-cp-0', 'control-plane', {}),
      view('demo-md-0', 'worker', { ready: false, notReadySince: '2026-11-21T09:58:00Z' }),
      view('demo-md-1', 'worker', { ready: false, hasNode: false }),
    ];
    assert.equal(observedStatus(observed(views, { workers: 'ScalingUp' }, 2)).phase, 'Degraded');
  });

  test('every wanted node Ready and nothing changing: Ready', () => {
    const views = [view('demo-cp-0', 'control-plane', {}), view('demo-md-0', 'worker', {})];
    assert.equal(observedStatus(observed(views, {}, 1)).phase, 'Ready');
  });
});
