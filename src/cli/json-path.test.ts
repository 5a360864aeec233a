import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateJsonPath, parseJsonPath } from './json-path.ts';

const machine = {
  metadata: { name: 'demo-cp-0', labels: { 'slipway.dev/cluster': 'demo' } },
  spec: { members: [{ user: 'ann' }, { user: 'bob' }], upgradeTargets: ['v1.31', 'v1.32'] },
  status: {
    addresses: [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'demo-cp-0' },
    ],
    conditions: [
      { type: 'InfrastructureReady', status: 'True' },
      { type: 'Ready', status: 'False', observedGeneration: 2 },
    ],
    ready: false,
  },
};

test('dotted paths select nested fields', () => {
  assert.deepEqual(evaluateJsonPath(machine, '.metadata.name'), ['demo-cp-0']);
  assert.deepEqual(evaluateJsonPath(machine, '.spec.upgradeTargets'), [['v1.31', 'v1.32']]);
  assert.deepEqual(evaluateJsonPath(machine, '.status.ready'), [false]);
});

test('missing fields select nothing', () => {
  assert.deepEqual(evaluateJsonPath(machine, '.status.phase'), []);
  assert.deepEqual(evaluateJsonPath(machine, '.nothing.here.at.all'), []);
  assert.deepEqual(evaluateJsonPath({ status: null }, '.status.phase'), []);
});

test('indexes, negative indexes and wildcards', () => {
  assert.deepEqual(evaluateJsonPath(machine, '.status.addresses[0].address'), ['10.0.0.5']);
  assert.deepEqual(evaluateJsonPath(machine, '.status.addresses[-1].type'), ['Hostname']);
  assert.deepEqual(evaluateJsonPath(machine, '.status.addresses[5].address'), []);
  assert.deepEqual(evaluateJsonPath(machine, '.spec.members[*].user'), ['ann', 'bob']);
  assert.deepEqual(evaluateJsonPath(machine, '.metadata.labels.*'), ['demo']);
});

test('filters by equality, inequality and existence', () => {
  const ready = '.status.conditions[?(@.type=="Ready")].status';
  assert.deepEqual(evaluateJsonPath(machine, ready), ['False']);
  assert.deepEqual(evaluateJsonPath(machine, ".status.conditions[?(@.type == 'Ready')].status"), [
    'False',
  ]);
  assert.deepEqual(evaluateJsonPath(machine, '.status.conditions[?(@.type!="Ready")].type'), [
    'InfrastructureReady',
  ]);
  assert.deepEqual(
    evaluateJsonPath(machine, '.status.conditions[?(@.observedGeneration==2)].type'),
    ['Ready'],
  );
  assert.deepEqual(evaluateJsonPath(machine, '.status.conditions[?(@.observedGeneration)].type'), [
    'Ready',
  ]);
  assert.deepEqual(evaluateJsonPath({}, ready), []);
});

test('quoted keys, braces and $ are accepted', () => {
  assert.deepEqual(evaluateJsonPath(machine, ".metadata.labels['slipway.dev/cluster']"), ['demo']);
  assert.deepEqual(evaluateJsonPath(machine, '{.metadata.name}'), ['demo-cp-0']);
  assert.deepEqual(evaluateJsonPath(machine, '$.metadata.name'), ['demo-cp-0']);
  assert.deepEqual(evaluateJsonPath(machine, 'metadata.name'), ['demo-cp-0']);
});

test('unsupported syntax is reported with the expression', () => {
  assert.throws(() => parseJsonPath('..name'), /invalid JSONPath "..name": recursive descent/);
  assert.throws(() => parseJsonPath('.a[1:2]'), /unsupported subscript/);
  assert.throws(() => parseJsonPath('.a[?(@.b > 1)]'), /unsupported/);
  assert.throws(() => parseJsonPath('.a[0'), /unbalanced/);
});
