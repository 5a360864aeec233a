// The IPPool controller against the real SQLite store: status, release once the
// claimant is gone, reuse, a record taken back from the IPAddresses, blocks, deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { IPPool } from '../../api/kinds/ip-pool.ts';
import { ApiVersion } from '../../api/meta.ts';
import { findCondition } from '../conditions.ts';
import { discardEvents } from '../dependencies.ts';
import { deleteIfExists, getIfExists } from '../objects.ts';
import { IPAddressAllocator } from './allocator.ts';
import { ipPoolController, ipPoolFinalizer } from './ip-pool.controller.ts';
import { machine, openTestStore, pool, type IPAMTestStore } from './test-support.ts';

const ctx = { signal: new AbortController().signal, now: () => new Date('2026-01-01T00:00:00Z') };

describe('IPPool controller', () => {
  let env: IPAMTestStore;
  let reconcile: (key: string) => Promise<{ requeueAfter?: number }>;
  let allocator: IPAddressAllocator;
  before(async () => {
    env = await openTestStore();
    const controller = ipPoolController({ store: env.store, events: discardEvents });
    reconcile = (key) => controller.reconcile(ctx, key);
    allocator = new IPAddressAllocator({ store: env.store });
  });
  after(async () => {
    await env.close();
  });
  const get = (name: string) => env.store.get<IPPool>('IPPool', undefined, name);

  it('reports counts and conditions; an invalid pool says which field is wrong', async () => {
    await env.store.create(
      pool('p1', { addresses: ['10.1.0.0/29'], prefix: 24, gateway: '10.1.0.1' }),
    );
    assert.deepEqual(await reconcile('p1'), {});
    const p1 = await get('p1');
    assert.ok(p1.metadata.finalizers?.includes(ipPoolFinalizer));
    assert.equal(p1.status?.total, 6); // .0 is the network address, .1 the gateway
    assert.equal(p1.status?.allocated, 0);
    assert.equal(p1.status?.free, 6);
    assert.equal(findCondition(p1.status?.conditions, 'Valid')?.status, 'True');
    assert.equal(findCondition(p1.status?.conditions, 'Available')?.reason, 'AddressesAvailable');

    await env.store.create(
      pool('bad', { addresses: ['10.2.0.0/29', '10.9.0.5'], prefix: 24, excludes: ['x'] }),
    );
    await reconcile('bad');
    const valid = findCondition((await get('bad')).status?.conditions, 'Valid');
    assert.equal(valid?.status, 'False');
    assert.equal(valid?.reason, 'InvalidRange');
    assert.match(
      valid?.message ?? '',
      /spec\.addresses\[1\]: 10\.9\.0\.5 is outside the subnet 10\.2\.0\.0\/24/,
    );
    assert.match(valid?.message ?? '', /spec\.excludes\[0\]/);
  });

  it('keeps an address while its claimant lives, releases it once gone, and hands it out again', async () => {
    const { store } = env;
    await store.create(pool('p2', { addresses: ['10.3.0.10-10.3.0.11'], prefix: 24 }));
    const m1 = await store.create(machine('team-a', 'm1'));
    const got = await allocator.claim({ pool: 'p2', owner: m1, name: 'm1' });
    assert.ok(got.ok);
    const address = got.ipAddress.spec.address;

    // The IPAddress is gone but the machine is not: the address stays, and is checked again.
    await deleteIfExists(store, 'IPAddress', 'team-a', 'm1');
    const waiting = await reconcile('p2');
    assert.ok((waiting.requeueAfter ?? 0) > 0);
    assert.ok((await get('p2')).status?.allocations?.[address]);

    // The machine goes: nothing holds the address any more.
    await deleteIfExists(store, 'Machine', 'team-a', 'm1');
    assert.deepEqual(await reconcile('p2'), {});
    const released = await get('p2');
    assert.deepEqual(released.status?.allocations, {});
    assert.equal(released.status?.allocated, 0);
    assert.equal(released.status?.free, 2);

    const m2 = await store.create(machine('team-b', 'm2'));
    const again = await allocator.claim({ pool: 'p2', owner: m2, name: 'm2' });
    assert.ok(again.ok);
    assert.equal(
      again.ipAddress.spec.address,
      address,
      'the lowest free address is the released one',
    );
  });

  it('takes back IPAddresses missing from a wiped record', async () => {
    const { store } = env;
    await store.create(pool('p3', { addresses: ['10.4.0.10-10.4.0.20'], prefix: 24 }));
    const owners = await Promise.all(
      [1, 2, 3].map((i) => store.create(machine('team-c', `w${i}`))),
    );
    for (const owner of owners) {
      assert.ok((await allocator.claim({ pool: 'p3', owner, name: owner.metadata.name })).ok);
    }
    const before = await get('p3');
    await store.updateStatus<IPPool>({ ...before, status: {} });
    await reconcile('p3');
    const after = await get('p3');
    const holders = (p: IPPool) =>
      Object.fromEntries(
        Object.entries(p.status?.allocations ?? {}).map(([address, a]) => [
          address,
          `${a.namespace}/${a.name} for ${a.claimRef.kind} ${a.claimRef.uid}`,
        ]),
      );
    assert.equal(Object.keys(holders(before)).length, 3);
    assert.deepEqual(holders(after), holders(before));
    assert.equal(after.status?.allocated, 3);
    // A new claim does not get an address the IPAddresses hold.
    const m4 = await store.create(machine('team-c', 'w4'));
    const fourth = await allocator.claim({ pool: 'p3', owner: m4, name: 'w4' });
    assert.ok(fourth.ok);
    assert.equal(fourth.ipAddress.spec.address, '10.4.0.13');
  });

  it('drops a cluster block once the cluster is gone', async () => {
    const { store } = env;
    await store.create(pool('p4', { addresses: ['10.5.0.10-10.5.0.40'], prefix: 24 }));
    const cluster = await store.create<ClusterDeployment>({
      apiVersion: ApiVersion,
      kind: 'ClusterDeployment',
      metadata: { name: 'blocky', namespace: 'team-d' },
      spec: { template: 't', credential: 'c', network: { ipPool: 'p4', blockSize: 8 } },
    });
    const m = await store.create(machine('team-d', 'blocky-cp-0', 'blocky'));
    const block = { cluster: 'blocky', clusterUID: cluster.metadata.uid ?? '', size: 8 };
    assert.ok((await allocator.claim({ pool: 'p4', owner: m, name: 'blocky-cp-0', block })).ok);
    await reconcile('p4');
    assert.ok((await get('p4')).status?.blocks?.['team-d/blocky']);
    await deleteIfExists(store, 'ClusterDeployment', 'team-d', 'blocky');
    await deleteIfExists(store, 'Machine', 'team-d', 'blocky-cp-0');
    await deleteIfExists(store, 'IPAddress', 'team-d', 'blocky-cp-0');
    await reconcile('p4');
    const after = await get('p4');
    assert.equal(after.status?.blocks, undefined);
    assert.deepEqual(after.status?.allocations, {});
  });

  it('a pass whose status write loses to a claim runs again instead of failing', async () => {
    const { store } = env;
    await store.create(pool('p6', { addresses: ['10.7.0.10-10.7.0.20'], prefix: 24 }));
    const m = await store.create(machine('team-f', 'racer'));
    let raced = false;
    // A claim lands between the controller's read of the pool and its write.
    const racing = new Proxy(store, {
      get(target, prop) {
        if (prop === 'updateStatus') {
          return async (obj: IPPool) => {
            if (!raced && obj.kind === 'IPPool') {
              raced = true;
              assert.ok((await allocator.claim({ pool: 'p6', owner: m, name: 'racer' })).ok);
            }
            return target.updateStatus(obj);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const controller = ipPoolController({ store: racing, events: discardEvents });
    const lost = await controller.reconcile(ctx, 'p6');
    assert.ok(raced);
    assert.ok((lost.requeueAfter ?? 0) > 0, 'tried again soon');
    assert.deepEqual(await controller.reconcile(ctx, 'p6'), {});
    const p6 = await get('p6');
    assert.equal(p6.status?.allocated, 1);
    assert.equal(findCondition(p6.status?.conditions, 'Valid')?.status, 'True');
  });

  it('a pool being deleted stays until its addresses are released, and hands out no more', async () => {
    const { store } = env;
    await store.create(pool('p5', { addresses: ['10.6.0.10-10.6.0.20'], prefix: 24 }));
    await reconcile('p5');
    const m = await store.create(machine('team-e', 'held'));
    assert.ok((await allocator.claim({ pool: 'p5', owner: m, name: 'held' })).ok);
    await store.delete('IPPool', undefined, 'p5');
    const waiting = await reconcile('p5');
    assert.ok((waiting.requeueAfter ?? 0) > 0);
    const deleting = await get('p5');
    const available = findCondition(deleting.status?.conditions, 'Available');
    assert.equal(available?.reason, 'PoolInUse');
    assert.match(available?.message ?? '', /team-e\/held/);
    const late = await store.create(machine('team-e', 'late'));
    const refused = await allocator.claim({ pool: 'p5', owner: late, name: 'late' });
    assert.ok(!refused.ok);
    assert.equal(refused.reason, 'IPPoolDeleting');
    // What the pool already holds is still answered.
    assert.ok((await allocator.claim({ pool: 'p5', owner: m, name: 'held' })).ok);

    await deleteIfExists(store, 'IPAddress', 'team-e', 'held');
    await deleteIfExists(store, 'Machine', 'team-e', 'held');
    await reconcile('p5');
    assert.equal(await getIfExists(store, 'IPPool', undefined, 'p5'), undefined);
  });
});
