import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourceArgs, resourcePath } from './resources.ts';
import { clusterDeploymentKind, ipPoolKind } from '../api/index.ts';

const summary = (args: string[]) =>
  parseResourceArgs(args).map(({ kind, names }) => [kind.kind, ...names]);

test('kinds by kind, plural, singular or short name, any case', () => {
  for (const typed of [
    'ClusterDeployment',
    'clusterdeployments',
    'clusterdeployment',
    'CLD',
    'clusters',
  ]) {
    assert.deepEqual(summary([typed]), [['ClusterDeployment']]);
  }
});

test('KIND NAME... and KIND/NAME... forms', () => {
  assert.deepEqual(summary(['cld', 'a', 'b']), [['ClusterDeployment', 'a', 'b']]);
  assert.deepEqual(summary(['cld,ct']), [['ClusterDeployment'], ['ClusterTemplate']]);
  assert.deepEqual(summary(['cld/a', 'cld/b', 'ct/x']), [
    ['ClusterDeployment', 'a', 'b'],
    ['ClusterTemplate', 'x'],
  ]);
});

test('bad resource arguments are explained', () => {
  assert.throws(() => parseResourceArgs([]), /must specify the type of resource/);
  assert.throws(() => parseResourceArgs(['widgets']), /doesn't have a resource type "widgets"/);
  assert.throws(() => parseResourceArgs(['cld', 'ct/x']), /no need to specify a resource type/);
  assert.throws(() => parseResourceArgs(['cld/']), /single resource and name/);
});

test('paths for namespaced and cluster-scoped kinds', () => {
  assert.equal(
    resourcePath(clusterDeploymentKind, 'team-a', 'demo'),
    '/apis/slipway.dev/v1alpha1/namespaces/team-a/clusterdeployments/demo',
  );
  assert.equal(
    resourcePath(clusterDeploymentKind, undefined),
    '/apis/slipway.dev/v1alpha1/clusterdeployments',
  );
  assert.equal(
    resourcePath(ipPoolKind, 'ignored', 'lab'),
    '/apis/slipway.dev/v1alpha1/ippools/lab',
  );
});
