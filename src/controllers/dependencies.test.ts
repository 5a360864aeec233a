import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChildClientCache, type ChildClusterClient, type ChildNode } from './dependencies.ts';

function fakeClients() {
  const made: { kubeconfig: string; lists: number; closed: boolean }[] = [];
  const factory = (kubeconfig: string): ChildClusterClient => {
    const record = { kubeconfig, lists: 0, closed: false };
    made.push(record);
    return {
      ready: () => Promise.resolve({ ok: true, reason: 'Ready', message: 'ok' }),
      listNodes: () => {
        record.lists++;
        const node: ChildNode = {
          name: `n${record.lists}`,
          providerID: '',
          ready: true,
          unschedulable: false,
        };
        return Promise.resolve([node]);
      },
      cordon: () => Promise.resolve(),
      drain: () => Promise.resolve({ evicted: 0, remaining: 0 }),
      deleteNode: () => Promise.resolve(),
      close: () => {
        record.closed = true;
        return Promise.resolve();
      },
    };
  };
  return { made, factory };
}

test('one client per cluster, made again when the kubeconfig changes', () => {
  const { made, factory } = fakeClients();
  const cache = new ChildClientCache(factory);
  const a = cache.get('uid-1', 'config-a');
  assert.equal(cache.get('uid-1', 'config-a'), a);
  assert.notEqual(cache.get('uid-1', 'config-b'), a);
  assert.deepEqual(
    made.map((m) => [m.kubeconfig, m.closed]),
    [
      ['config-a', true],
      ['config-b', false],
    ],
  );
});

test('node lists are shared within maxAgeMs; maxAgeMs 0 always asks again', async () => {
  const { made, factory } = fakeClients();
  let now = 0;
  const cache = new ChildClientCache(factory, () => now);
  const shared = { maxAgeMs: 2000 };
  const [first, second] = await Promise.all([
    cache.listNodes('uid-1', 'config', shared),
    cache.listNodes('uid-1', 'config', shared),
  ]);
  assert.equal(first, second, 'callers at the same moment share one request');
  now = 1500;
  assert.equal(await cache.listNodes('uid-1', 'config', shared), first);
  assert.equal(made[0]?.lists, 1);
  await cache.listNodes('uid-1', 'config', { maxAgeMs: 0 });
  assert.equal(made[0]?.lists, 2, 'a fresh list when no age is acceptable');
  now = 5000;
  const later = await cache.listNodes('uid-1', 'config', shared);
  assert.equal(later[0]?.name, 'n3', 'older than maxAgeMs: asked again');
});
