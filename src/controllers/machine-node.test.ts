// The node step of the Machine controller, case by case: phase, NodeReady and nodeRef
// from the VM observation and what the child API says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Machine } from '../api/kinds/machine.ts';
import { ApiVersion } from '../api/meta.ts';
import type { MachineObservation } from '../providers/infrastructure/types.ts';
import { nodeStep } from './machine-node.ts';

function machine(status: Machine['status'] = {}): Machine {
  return {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: { name: 'demo-worker-abcde', namespace: 'default' },
    spec: { clusterName: 'demo', role: 'worker', version: 'v1.31.4+k3s1' },
    status,
  };
}

function running(reason = 'VMRunning', message?: string): MachineObservation {
  return {
    state: 'Running',
    providerID: 'sim://default/demo-worker-abcde',
    addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
    reason,
    ...(message !== undefined ? { message } : {}),
  };
}

const node = {
  name: 'demo-worker-abcde',
  uid: '7d3c1a52-0000-4000-8000-000000000001',
  providerID: 'sim://default/demo-worker-abcde',
  ready: true,
  unschedulable: false,
};

describe('machine node step', () => {
  it('is Running with a nodeRef once the node registered', () => {
    const step = nodeStep(machine(), running(), { state: 'found', node });
    assert.equal(step.phase, 'Running');
    assert.deepEqual(step.nodeRef, { name: node.name, uid: node.uid });
    assert.deepEqual(step.nodeCondition, {
      type: 'NodeReady',
      status: 'True',
      reason: 'AsExpected',
      message: 'node demo-worker-abcde is Ready',
    });
    const notReady = nodeStep(machine(), running(), {
      state: 'found',
      node: { ...node, ready: false, uid: '' },
    });
    assert.equal(notReady.phase, 'Running');
    assert.deepEqual(notReady.nodeRef, { name: node.name }, 'no uid when the API gives none');
    assert.equal(notReady.nodeCondition.reason, 'NodeNotReady');
  });

  it('is Bootstrapping while the VM runs and the node has not registered', () => {
    const step = nodeStep(machine({ nodeName: 'old', nodeRef: { name: 'old' } }), running(), {
      state: 'absent',
    });
    assert.equal(step.phase, 'Bootstrapping');
    assert.deepEqual(step.nodeCondition, {
      type: 'NodeReady',
      status: 'False',
      reason: 'WaitingForNode',
      message: 'the node has not registered with the cluster yet',
    });
    assert.equal(step.nodeRef, undefined);
    assert.equal(step.forgetNode, true, 'a node that is gone is forgotten');
  });

  it("shows the provider's boot report instead of waiting silently", () => {
    const message =
      "Failed to validate connection to cluster at https://x: 401 Unauthorized (the token's password is not the cluster's)";
    for (const lookup of [
      { state: 'absent' as const },
      { state: 'unreachable' as const, message: 'connection refused' },
    ]) {
      const step = nodeStep(machine(), running('JoinFailed', message), lookup);
      assert.equal(step.phase, 'Bootstrapping');
      assert.deepEqual(step.nodeCondition, {
        type: 'NodeReady',
        status: 'False',
        reason: 'JoinFailed',
        message,
      });
    }
    const waiting = nodeStep(machine(), running('WaitingForServer'), { state: 'absent' });
    assert.deepEqual(waiting.nodeCondition, {
      type: 'NodeReady',
      status: 'False',
      reason: 'WaitingForServer',
      message: 'WaitingForServer',
    });
  });

  it('keeps a known node Running when the API does not answer', () => {
    const known = machine({ nodeName: node.name, nodeRef: { name: node.name, uid: node.uid } });
    const step = nodeStep(known, running(), { state: 'unreachable', message: 'timeout' });
    assert.equal(step.phase, 'Running');
    assert.equal(step.nodeCondition.status, 'Unknown');
    assert.equal(step.nodeCondition.message, 'cannot reach the cluster API: timeout');
    assert.equal(step.forgetNode, false);
    assert.equal(step.nodeRef, undefined, 'the status keeps the nodeRef it has');
    // Machines written before nodeRef existed have only nodeName.
    const legacy = nodeStep(machine({ nodeName: node.name }), running(), {
      state: 'unreachable',
      message: 'timeout',
    });
    assert.equal(legacy.phase, 'Running');
    const unknown = nodeStep(machine(), running(), { state: 'unreachable', message: 'timeout' });
    assert.equal(unknown.phase, 'Bootstrapping');
    assert.equal(unknown.nodeCondition.status, 'Unknown');
    assert.equal(unknown.forgetNode, false);
  });
});
