import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { falseCondition, setCondition, trueCondition } from './conditions.ts';

describe('setCondition', () => {
  const t1 = new Date('2025-01-01T00:00:00Z');
  const t2 = new Date('2025-01-01T00:01:00Z');

  it('keeps lastTransitionTime while the status stays, moves it when the status changes', () => {
    let list = setCondition(undefined, falseCondition('Ready', 'WaitingForNodes', 'a'), t1, 1);
    list = setCondition(list, falseCondition('Ready', 'Provisioning', 'b'), t2, 2);
    assert.equal(list[0]?.lastTransitionTime, t1.toISOString());
    assert.equal(list[0]?.reason, 'Provisioning');
    assert.equal(list[0]?.observedGeneration, 2);
    list = setCondition(list, trueCondition('Ready', 'AsExpected'), t2, 2);
    assert.equal(list[0]?.lastTransitionTime, t2.toISOString());
    assert.equal(list[0]?.message, undefined);
  });

  it('keeps the order of existing conditions and appends new types', () => {
    let list = setCondition(undefined, trueCondition('A', 'R'), t1, undefined);
    list = setCondition(list, trueCondition('B', 'R'), t1, undefined);
    list = setCondition(list, falseCondition('A', 'R'), t2, undefined);
    assert.deepEqual(
      list.map((c) => c.type),
      ['A', 'B'],
    );
  });
});
