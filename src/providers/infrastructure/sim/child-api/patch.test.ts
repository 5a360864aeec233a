import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PatchContentType, applyPatch, patchTypeOf } from './patch.ts';

const pod = {
  metadata: { name: 'p', labels: { app: 'web', tier: 'a' } },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1.26' },
      { name: 'sidecar', image: 'envoy:1' },
    ],
    tolerations: [{ key: 'a', operator: 'Exists' }],
  },
};

test('merge patch: objects merge, null deletes, lists are replaced', () => {
  const result = applyPatch(PatchContentType.Merge, pod, {
    metadata: { labels: { tier: null, new: 'x' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
  });
  assert.deepEqual(result, {
    metadata: { name: 'p', labels: { app: 'web', new: 'x' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], tolerations: pod.spec.tolerations },
  });
  assert.equal(pod.spec.containers.length, 2, 'the input is not modified');
});

test('strategic merge patch: keyed lists merge by key, directives apply, other lists replace', () => {
  const result = applyPatch(PatchContentType.Strategic, pod, {
    $retainKeys: ['metadata', 'spec'],
    spec: {
      containers: [
        { name: 'web', image: 'nginx:1.27' },
        { name: 'sidecar', $patch: 'delete' },
        { name: 'logger', image: 'fluent-bit:3' },
      ],
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'logger' }],
      tolerations: [{ key: 'b', operator: 'Exists' }],
    },
  });
  assert.deepEqual(result, {
    metadata: pod.metadata,
    spec: {
      containers: [
        { name: 'web', image: 'nginx:1.27' },
        { name: 'logger', image: 'fluent-bit:3' },
      ],
      tolerations: [{ key: 'b', operator: 'Exists' }],
    },
  });
  const cordoned = applyPatch(
    PatchContentType.Strategic,
    { spec: {} },
    { spec: { unschedulable: true } },
  );
  assert.deepEqual(cordoned, { spec: { unschedulable: true } });
});

test('JSON patch applies operations and reports ones that do not fit', () => {
  const result = applyPatch(PatchContentType.Json, pod, [
    { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.27' },
  ]) as typeof pod;
  assert.equal(result.spec.containers[0]?.image, 'nginx:1.27');
  assert.throws(
    () => applyPatch(PatchContentType.Json, pod, [{ op: 'replace', path: '/nope/x', value: 1 }]),
    /does not apply/,
  );
  assert.throws(() => applyPatch(PatchContentType.Merge, pod, [1]), /must be a JSON object/);
});

test('patch types come from the Content-Type header', () => {
  assert.equal(
    patchTypeOf('application/strategic-merge-patch+json; charset=utf-8'),
    PatchContentType.Strategic,
  );
  assert.equal(patchTypeOf('application/json'), undefined);
});
