import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterDeploymentKind, type AnyResource } from '../api/index.ts';
import { createBody, sameDeclaredState, updateBody } from './apply-object.ts';
import type { ManifestTarget } from './manifest-target.ts';

const live: AnyResource = {
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterDeployment',
  metadata: {
    name: 'demo',
    namespace: 'default',
    uid: 'u1',
    resourceVersion: '7',
    generation: 2,
    labels: { owner: 'ann', 'set-by-controller': 'yes' },
    finalizers: ['slipway.dev/cleanup'],
  },
  spec: { template: 'k3s', credential: 'pve', config: { workersNumber: 2, extra: true } },
  status: { phase: 'Ready' },
};

const target = (object: Record<string, unknown>): ManifestTarget => ({
  kind: clusterDeploymentKind,
  namespace: 'default',
  name: 'demo',
  object: { metadata: {}, ...object },
});

test('an update replaces the spec, merges labels, keeps what the server owns', () => {
  const body = updateBody(
    live,
    target({
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'ClusterDeployment',
      metadata: { name: 'demo', namespace: 'default', labels: { owner: 'bob' } },
      spec: { template: 'k3s', credential: 'pve', config: { workersNumber: 3 } },
    }),
  );
  assert.deepEqual(body['spec'], {
    template: 'k3s',
    credential: 'pve',
    config: { workersNumber: 3 },
  });
  assert.deepEqual(body['metadata'], {
    ...live.metadata,
    labels: { owner: 'bob', 'set-by-controller': 'yes' },
  });
  assert.deepEqual(body['status'], { phase: 'Ready' });
});

test('a create strips server-managed metadata and status', () => {
  const body = createBody(
    target({
      kind: 'ClusterDeployment',
      metadata: {
        name: 'demo',
        namespace: 'default',
        uid: 'old',
        resourceVersion: '3',
        labels: { a: 'b' },
      },
      spec: {},
      status: { phase: 'Ready' },
    }),
  );
  assert.deepEqual(body, {
    kind: 'ClusterDeployment',
    metadata: { name: 'demo', namespace: 'default', labels: { a: 'b' } },
    spec: {},
  });
});

test('unchanged means same spec, labels and annotations; versions do not count', () => {
  const after: AnyResource = {
    ...live,
    metadata: { ...live.metadata, resourceVersion: '8', annotations: {} },
  };
  assert.equal(sameDeclaredState(live, after), true);
  assert.equal(
    sameDeclaredState(live, { ...live, spec: { template: 'k3s', credential: 'pve' } }),
    false,
  );
  assert.equal(
    sameDeclaredState(live, { ...live, metadata: { ...live.metadata, labels: { owner: 'ann' } } }),
    false,
  );
});
