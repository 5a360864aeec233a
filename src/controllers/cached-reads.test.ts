import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError, StatusReason } from '../api/errors.ts';
import type { AnyResource } from '../api/meta.ts';
import type { Store } from '../store/types.ts';
import { withCachedReads, type ReadCache } from './cached-reads.ts';

const template: AnyResource = {
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'ClusterTemplate',
  metadata: { name: 't1', namespace: 'slipway-system' },
};
const secret: AnyResource = {
  apiVersion: 'slipway.dev/v1alpha1',
  kind: 'Secret',
  metadata: { name: 's1', namespace: 'default' },
};

/** A store that answers `get` from a map and counts its calls. */
function countingStore(objects: AnyResource[]) {
  const gets: string[] = [];
  const store = {
    get: (kind: string, namespace: string | undefined, name: string) => {
      gets.push(`${kind}:${namespace}/${name}`);
      const found = objects.find(
        (o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name,
      );
      return found
        ? Promise.resolve(found)
        : Promise.reject(new SlipwayError(StatusReason.NotFound, 'not found'));
    },
  } as unknown as Store;
  return { store, gets };
}

function cacheOf(objects: AnyResource[], synced: boolean): ReadCache {
  return {
    hasSynced: () => synced,
    get: (key) => objects.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === key),
  };
}

test('a synced cache answers gets of its kind, NotFound included, without the store', async () => {
  const { store, gets } = countingStore([template]);
  const reads = withCachedReads(store, { ClusterTemplate: cacheOf([template], true) });
  assert.equal(await reads.get('ClusterTemplate', 'slipway-system', 't1'), template);
  await assert.rejects(reads.get('ClusterTemplate', 'default', 't1'), (err: unknown) => {
    return err instanceof SlipwayError && err.reason === StatusReason.NotFound;
  });
  assert.deepEqual(gets, []);
});

test('kinds without a cache, and caches not synced yet, read the store', async () => {
  const { store, gets } = countingStore([template, secret]);
  const reads = withCachedReads(store, { ClusterTemplate: cacheOf([], false) });
  assert.equal(await reads.get('ClusterTemplate', 'slipway-system', 't1'), template);
  assert.equal(await reads.get('Secret', 'default', 's1'), secret);
  assert.deepEqual(gets, ['ClusterTemplate:slipway-system/t1', 'Secret:default/s1']);
});
