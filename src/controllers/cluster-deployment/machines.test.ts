// How the planner sees a Machine whose node is down on purpose (hibernation) or not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Machine } from '../../api/kinds/machine.ts';
import { ApiVersion } from '../../api/meta.ts';
import { machineView } from './machines.ts';
import { planCluster } from './plan.ts';

const now = new Date('2026-03-01T12:00:00Z');
const longAgo = '2026-03-01T08:00:00Z';

function worker(name: string, node: { status: 'True' | 'False' | 'Unknown'; reason: string }) {
  const machine: Machine = {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: { name, namespace: 'ns', creationTimestamp: '2026-03-01T07:00:00Z' },
    spec: { clusterName: 'demo', role: 'worker', version: 'v1', template: 't1' },
    status: {
      phase: 'Running',
      nodeName: name,
      conditions: [{ type: 'NodeReady', ...node, lastTransitionTime: longAgo }],
    },
  };
  return machine;
}

describe('machineView and hibernation', () => {
  it('a node down for hibernation has no NotReady time; one NotReady for real has', () => {
    const asleep = machineView(worker('w-1', { status: 'Unknown', reason: 'Hibernated' }));
    assert.equal(asleep.ready, false);
    assert.equal(asleep.notReadySince, undefined);
    const sick = machineView(worker('w-2', { status: 'False', reason: 'NodeNotReady' }));
    assert.equal(sick.notReadySince, longAgo);
  });

  it('the planner replaces the sick node, never one still marked Hibernated', () => {
    const ready = (name: string) => worker(name, { status: 'True', reason: 'AsExpected' });
    const machines = [
      worker('w-asleep', { status: 'Unknown', reason: 'Hibernated' }),
      worker('w-sick', { status: 'False', reason: 'NodeNotReady' }),
      ready('w-3'),
      ready('w-4'),
      ready('w-5'),
      ready('w-6'),
    ].map(machineView);
    const cp = { ...machineView(ready('cp-1')), role: 'control-plane' as const };
    const plan = planCluster({
      want: {
        controlPlanes: 1,
        workers: 6,
        template: 't1',
        version: 'v1',
        rollout: { maxSurge: 1, maxUnavailable: 0 },
      },
      machines: [cp, ...machines],
      apiAvailable: true,
      health: { nodeNotReadyTimeoutMs: 60_000, maxUnhealthyShare: 0.4, upgradeStepTimeoutMs: 1 },
      now,
    });
    assert.deepEqual(
      plan.deletes.map((d) => [d.name, d.reason]),
      [['w-sick', 'Remediation']],
    );
  });
});
