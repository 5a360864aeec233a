import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterDeploymentKind, secretKind, type AnyResource } from '../api/index.ts';
import { createBody, sameDeclaredState, updateBody } from './apply-object.ts';
import { lastAppliedAnnotation } from './last-applied.ts';
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
  const { [lastAppliedAnnotation]: lastApplied, ...annotations } = asStrings(
    (body['metadata'] as Record<string, unknown>)['annotations'],
  );
  assert.deepEqual(body['metadata'], {
    ...live.metadata,
    labels: { owner: 'bob', 'set-by-controller': 'yes' },
    annotations: { [lastAppliedAnnotation]: lastApplied },
  });
  assert.deepEqual(annotations, {});
  assert.deepEqual(body['status'], { phase: 'Ready' });
});

function asStrings(value: unknown): Record<string, string> {
  return value as Record<string, string>;
}

/** The metadata of a recorded manifest. */
function recordedMetadata(text: string | undefined): unknown {
  return (JSON.parse(text ?? '') as { metadata: unknown }).metadata;
}

test('the last applied manifest is recorded; what it declared and the new one does not goes', () => {
  const manifest = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: 'demo', namespace: 'default', labels: { owner: 'ann', team: 'a' } },
    spec: { template: 'k3s', credential: 'pve' },
  };
  const created = createBody(target(manifest));
  const recorded = asStrings((created['metadata'] as Record<string, unknown>)['annotations']);
  assert.deepEqual(JSON.parse(recorded[lastAppliedAnnotation] ?? ''), manifest);

  const applied: AnyResource = {
    ...live,
    metadata: {
      ...live.metadata,
      labels: { owner: 'ann', team: 'a', 'set-by-controller': 'yes' },
      annotations: { ...recorded, 'added-by-hand': 'x' },
    },
  };
  const next = updateBody(
    applied,
    target({
      ...manifest,
      metadata: { name: 'demo', namespace: 'default', labels: { owner: 'bob' } },
    }),
  );
  const metadata = next['metadata'] as AnyResource['metadata'];
  assert.deepEqual(metadata.labels, { owner: 'bob', 'set-by-controller': 'yes' });
  assert.equal(metadata.annotations?.['added-by-hand'], 'x');
  assert.deepEqual(recordedMetadata(metadata.annotations?.[lastAppliedAnnotation]), {
    name: 'demo',
    namespace: 'default',
    labels: { owner: 'bob' },
  });
});

test('the recorded manifest of a Secret leaves its data out', () => {
  const body = createBody({
    kind: secretKind,
    namespace: 'default',
    name: 's',
    object: {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default', labels: { a: 'b' } },
      data: { password: 'aHVudGVyMg==' },
      stringData: { token: 'hunter3' },
    },
  });
  const recorded = asStrings((body['metadata'] as Record<string, unknown>)['annotations']);
  const text = recorded[lastAppliedAnnotation] ?? '';
  assert.ok(!text.includes('aHVudGVyMg==') && !text.includes('hunter3'), text);
  assert.deepEqual(recordedMetadata(text), {
    name: 's',
    namespace: 'default',
    labels: { a: 'b' },
  });
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
  const { annotations, ...metadata } = body['metadata'] as Record<string, unknown>;
  assert.deepEqual(
    { ...body, metadata },
    {
      kind: 'ClusterDeployment',
      metadata: { name: 'demo', namespace: 'default', labels: { a: 'b' } },
      spec: {},
    },
  );
  assert.deepEqual(Object.keys(asStrings(annotations)), [lastAppliedAnnotation]);
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
