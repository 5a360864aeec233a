import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyResource } from '../api/index.ts';
import { conditionMet, parseWaitFor } from './wait-for.ts';

test('--for forms', () => {
  assert.deepEqual(parseWaitFor('delete'), { type: 'delete' });
  assert.deepEqual(parseWaitFor('condition=Ready'), {
    type: 'condition',
    condition: 'Ready',
    status: 'True',
  });
  assert.deepEqual(parseWaitFor('condition=Ready=False'), {
    type: 'condition',
    condition: 'Ready',
    status: 'False',
  });
  assert.deepEqual(parseWaitFor('jsonpath={.status.phase}=Ready'), {
    type: 'jsonpath',
    expression: '{.status.phase}',
    value: 'Ready',
  });
  for (const bad of ['ready', 'condition=', 'condition=a=b=c', 'jsonpath={.x}']) {
    assert.throws(() => parseWaitFor(bad), /unrecognized --for/, bad);
  }
});

const object = (conditions: unknown[], phase?: string): AnyResource => ({
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: { name: 'demo' },
  status: { conditions, ...(phase ? { phase } : {}) },
});

test('conditions match by type and status, case-insensitively', () => {
  const ready = object([{ type: 'Ready', status: 'True' }]);
  assert.equal(conditionMet(ready, parseWaitFor('condition=Ready')), true);
  assert.equal(conditionMet(ready, parseWaitFor('condition=ready=true')), true);
  assert.equal(conditionMet(ready, parseWaitFor('condition=Ready=False')), false);
  assert.equal(conditionMet(object([]), parseWaitFor('condition=Ready')), false);
  assert.equal(conditionMet(undefined, parseWaitFor('condition=Ready')), false);
});

test('delete and jsonpath', () => {
  assert.equal(conditionMet(undefined, { type: 'delete' }), true);
  assert.equal(conditionMet(object([]), { type: 'delete' }), false);
  assert.equal(
    conditionMet(object([], 'Ready'), parseWaitFor('jsonpath={.status.phase}=Ready')),
    true,
  );
});
