import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Machine } from '../api/kinds/machine.ts';
import { ApiVersion } from '../api/meta.ts';
import { findCondition, trueCondition } from './conditions.ts';
import { awake, hibernatedStep, needsPowerOff } from './machine-hibernation.ts';

const bootstrapReady = trueCondition('BootstrapReady', 'AsExpected', 'boot data ready');

function machine(status?: Machine['status']): Machine {
  return {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: { name: 'demo-md-1', namespace: 'ns' },
    spec: { clusterName: 'demo', role: 'worker', version: 'v1.31.4+k3s1' },
    ...(status ? { status } : {}),
  };
}

const obs = (state: 'Running' | 'Stopping' | 'Stopped' | 'Failed' | 'Creating') => ({
  state,
  providerID: 'sim://ns/demo-md-1/7',
  addresses: [],
  reason: state === 'Stopped' ? 'VMStopped' : 'VMRunning',
});

describe('machine hibernation', () => {
  it('asks the provider to power off only what is not off', () => {
    assert.equal(needsPowerOff(undefined), false, 'no VM: nothing is created');
    assert.equal(needsPowerOff(obs('Stopped')), false);
    assert.equal(needsPowerOff(obs('Failed')), false);
    for (const state of ['Running', 'Stopping', 'Creating'] as const) {
      assert.equal(needsPowerOff(obs(state)), true, state);
    }
  });

  it('a stopped VM is phase Stopped, settled, with every condition saying Hibernated', () => {
    const step = hibernatedStep(machine({ phase: 'Running' }), obs('Stopped'), bootstrapReady);
    assert.equal(step.phase, 'Stopped');
    assert.equal(step.settled, true);
    assert.equal(step.providerID, 'sim://ns/demo-md-1/7');
    const ready = step.conditions.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'Hibernated']);
    const node = step.conditions.find((c) => c.type === 'NodeReady');
    assert.deepEqual([node?.status, node?.reason], ['Unknown', 'Hibernated']);
  });

  it('a VM on its way down keeps its phase and is not settled', () => {
    const step = hibernatedStep(machine({ phase: 'Running' }), obs('Stopping'), bootstrapReady);
    assert.equal(step.phase, 'Running');
    assert.equal(step.settled, false);
    assert.match(step.conditions.find((c) => c.type === 'Ready')?.message ?? '', /stopping VM/);
  });

  it('a machine without a VM waits, Pending, for the wake', () => {
    const step = hibernatedStep(machine(), undefined, bootstrapReady);
    assert.equal(step.phase, 'Pending');
    assert.equal(step.settled, true);
    assert.equal(step.providerID, undefined);
  });

  it('awake drops the hibernation NodeReady so NotReady time counts from the wake', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const asleep = machine({
      phase: 'Stopped',
      conditions: [
        { type: 'NodeReady', status: 'Unknown', reason: 'Hibernated', lastTransitionTime: at },
        { type: 'Ready', status: 'False', reason: 'Hibernated', lastTransitionTime: at },
      ],
    });
    const woken = awake(asleep);
    assert.equal(findCondition(woken.status?.conditions, 'NodeReady'), undefined);
    assert.ok(findCondition(woken.status?.conditions, 'Ready'));
    const running = machine({
      phase: 'Running',
      conditions: [
        { type: 'NodeReady', status: 'False', reason: 'NodeNotReady', lastTransitionTime: at },
      ],
    });
    assert.equal(awake(running), running, 'any other NodeReady is kept as it is');
  });
});
