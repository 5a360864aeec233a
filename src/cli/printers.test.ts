import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterDeploymentKind, machineKind, projectKind, type AnyResource } from '../api/index.ts';
import { columnValue, resourceTable, toNames } from './printers.ts';
import { formatTable } from './table.ts';

const now = Date.parse('2025-01-10T12:00:00Z');

const cluster: AnyResource = {
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: { name: 'demo', namespace: 'team-a', creationTimestamp: '2025-01-10T11:55:00Z' },
  spec: { template: 'k3s-1-31', credential: 'pve' },
  status: {
    phase: 'Ready',
    readyNodes: '3/3',
    version: 'v1.31.4+k3s1',
    conditions: [{ type: 'Ready', status: 'True', reason: 'AsExpected' }],
  },
};

test('a table has NAME, then the kind columns; wide ones only with -o wide', () => {
  const table = resourceTable(clusterDeploymentKind, [cluster], {
    wide: false,
    withNamespace: false,
    nowMs: now,
  });
  assert.equal(
    formatTable(table.header, table.rows),
    'NAME   TEMPLATE   PHASE   NODES   READY   AGE\ndemo   k3s-1-31   Ready   3/3     True    5m\n',
  );
  const wide = resourceTable(clusterDeploymentKind, [cluster], {
    wide: true,
    withNamespace: true,
    nowMs: now,
  });
  assert.deepEqual(wide.header, [
    'NAMESPACE',
    'NAME',
    'TEMPLATE',
    'PHASE',
    'NODES',
    'READY',
    'VERSION',
    'ENDPOINT',
    'AGE',
  ]);
  assert.deepEqual(wide.rows[0], [
    'team-a',
    'demo',
    'k3s-1-31',
    'Ready',
    '3/3',
    'True',
    'v1.31.4+k3s1',
    '',
    '5m',
  ]);
});

test('cells: missing values are blank, lists are comma-separated', () => {
  const project = {
    metadata: { name: 'p' },
    spec: { members: [{ user: 'ann' }, { user: 'bob' }] },
  };
  const members = projectKind.columns.find((c) => c.name === 'MEMBERS');
  assert.ok(members);
  assert.equal(columnValue(members, project, now), 'ann,bob');
  assert.equal(
    columnValue({ name: 'X', jsonPath: '.spec.list' }, { spec: { list: ['a', 'b'] } }, now),
    'a,b',
  );
  assert.equal(columnValue({ name: 'X', jsonPath: '.spec.n' }, { spec: { n: 3 } }, now), '3');
  assert.equal(
    columnValue({ name: 'X', jsonPath: '.spec.o' }, { spec: { o: { a: 1 } } }, now),
    '{"a":1}',
  );
  const address = machineKind.columns.find((c) => c.name === 'ADDRESS');
  assert.ok(address);
  assert.equal(columnValue(address, { status: {} }, now), '');
});

test('-o name prints kind/name', () => {
  assert.equal(toNames(clusterDeploymentKind, [cluster]), 'clusterdeployment/demo\n');
});
