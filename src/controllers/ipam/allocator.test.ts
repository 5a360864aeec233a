// The allocator against the real SQLite store: parallel claims from many namespaces
// and several allocators (as several processes would be) never share an address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IPPool, IPPoolAllocation } from '../../api/kinds/ip-pool.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import { ApiVersion } from '../../api/meta.ts';
import { parseAddress } from '../../api/ip-ranges.ts';
import { findCondition } from '../conditions.ts';
import { deleteIfExists, isControlledBy } from '../objects.ts';
import { IPAddressAllocator } from './allocator.ts';
import {
  allIPAddresses,
  machine,
  openTestStore,
  pool,
  type IPAMTestStore,
} from './test-support.ts';

describe('IPAddressAllocator', () => {
  let env: IPAMTestStore;
  before(async () => {
    env = await openTestStore();
  });
  after(async () => {
    await env.close();
  });

  it('200 parallel claims from 5 namespaces through 4 allocators never share an address', async () => {
    const { store } = env;
    await store.create(
      pool('big', {
        // 10.20.1.0 is an ordinary address here: the /23's network address is 10.20.0.0.
        addresses: ['10.20.0.10-10.20.0.255', '10.20.1.0/26'],
        prefix: 23,
        gateway: '10.20.0.1',
        dnsServers: ['10.20.0.2'],
        searchDomains: ['lab.example'],
      }),
    );
    const owners: Machine[] = [];
    for (let i = 0; i < 200; i++) {
      owners.push(await store.create(machine(`team-${i % 5}`, `m-${i}`)));
    }
    // Separate allocators share nothing in memory: only the store's compare-and-swap keeps
    // them apart. Count the conflicts, to know they really raced.
    let conflicts = 0;
    const counting = new Proxy(store, {
      get(target, prop) {
        if (prop === 'updateStatus') {
          return async (obj: IPPool) => {
            try {
              return await target.updateStatus(obj);
            } catch (err: unknown) {
              if (isSlipwayError(err, StatusReason.Conflict)) conflicts++;
              throw err;
            }
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const allocators = Array.from({ length: 4 }, () => new IPAddressAllocator({ store: counting }));
    const outcomes = await Promise.all(
      owners.map((owner, i) =>
        allocators[i % 4]!.claim({ pool: 'big', owner, name: owner.metadata.name }),
      ),
    );
    const addresses = outcomes.map((o) => {
      assert.ok(o.ok, JSON.stringify(o));
      return o.ipAddress.spec.address;
    });
    assert.equal(new Set(addresses).size, 200, 'every address is different');
    assert.ok(conflicts > 0, 'the allocators wrote against each other');
    for (const address of addresses) {
      const value = parseAddress(address)?.value ?? 0n;
      const inFirst =
        value >= parseAddress('10.20.0.10')!.value && value <= parseAddress('10.20.0.255')!.value;
      const inSecond =
        value >= parseAddress('10.20.1.0')!.value && value <= parseAddress('10.20.1.63')!.value;
      assert.ok(inFirst || inSecond, `${address} is in the pool`);
    }

    const stored = await allIPAddresses(store);
    assert.equal(stored.length, 200);
    assert.equal(new Set(stored.map((ip) => ip.spec.address)).size, 200);
    for (const ip of stored) {
      const owner = owners.find((o) => o.metadata.name === ip.metadata.name);
      assert.ok(owner && isControlledBy(ip, owner), `${ip.metadata.name} is owned by its machine`);
      assert.equal(ip.metadata.namespace, owner.metadata.namespace);
      assert.equal(ip.spec.prefix, 23);
      assert.equal(ip.spec.gateway, '10.20.0.1');
      assert.deepEqual(ip.spec.searchDomains, ['lab.example']);
    }
    const recorded = await store.get<IPPool>('IPPool', undefined, 'big');
    assert.equal(Object.keys(recorded.status?.allocations ?? {}).length, 200);
    assert.equal(recorded.status?.allocated, 200);
    assert.equal(recorded.status?.total, 246 + 64);
    assert.equal(recorded.status?.free, 246 + 64 - 200);
    // The record and the objects agree address for address.
    for (const ip of stored) {
      const entry: IPPoolAllocation | undefined = recorded.status?.allocations?.[ip.spec.address];
      assert.equal(
        `${entry?.namespace}/${entry?.name}`,
        `${ip.metadata.namespace}/${ip.metadata.name}`,
      );
    }
  });

  it('asking again answers the same address, even after the IPAddress was lost', async () => {
    const { store } = env;
    await store.create(pool('again', { addresses: ['10.30.0.10-10.30.0.20'], prefix: 24 }));
    const owner = await store.create(machine('team-a', 'again-1'));
    const allocator = new IPAddressAllocator({ store });
    const first = await allocator.claim({ pool: 'again', owner, name: 'again-1' });
    assert.ok(first.ok);
    const second = await allocator.claim({ pool: 'again', owner, name: 'again-1' });
    assert.ok(second.ok);
    assert.equal(second.ipAddress.metadata.uid, first.ipAddress.metadata.uid);
    // As after a crash between the record's write and the IPAddress: the record still holds it.
    await deleteIfExists(store, 'IPAddress', 'team-a', 'again-1');
    const third = await new IPAddressAllocator({ store }).claim({
      pool: 'again',
      owner,
      name: 'again-1',
    });
    assert.ok(third.ok);
    assert.equal(third.ipAddress.spec.address, first.ipAddress.spec.address);
    assert.equal(
      await allocator.recorded('again', 'team-a', 'again-1', owner.metadata.uid ?? ''),
      first.ipAddress.spec.address,
    );
  });

  it('an exhausted pool says PoolExhausted and creates nothing', async () => {
    const { store } = env;
    await store.create(pool('tiny', { addresses: ['10.40.0.10-10.40.0.12'], prefix: 24 }));
    const owners = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => store.create(machine('team-b', `tiny-${i}`))),
    );
    const allocator = new IPAddressAllocator({ store });
    const outcomes = await Promise.all(
      owners.map((owner) => allocator.claim({ pool: 'tiny', owner, name: owner.metadata.name })),
    );
    const won = outcomes.filter((o) => o.ok);
    const lost = outcomes.filter((o) => !o.ok);
    assert.equal(won.length, 3);
    assert.equal(lost.length, 2);
    for (const o of lost) {
      assert.equal(o.reason, 'PoolExhausted');
      assert.match(o.message, /IPPool tiny has no free address/);
    }
    const ips = (await allIPAddresses(store)).filter((ip) => ip.spec.poolRef.name === 'tiny');
    assert.equal(ips.length, 3);
    const stored = await store.get<IPPool>('IPPool', undefined, 'tiny');
    assert.equal(stored.status?.free, 0);
    const available = findCondition(stored.status?.conditions, 'Available');
    assert.equal(available?.status, 'False');
    assert.equal(available?.reason, 'PoolExhausted');
  });

  it('a specific address is given once; missing and invalid pools say so', async () => {
    const { store } = env;
    await store.create(pool('vips', { addresses: ['10.50.0.0/28'], prefix: 24 }));
    const a = await store.create(machine('team-c', 'vip-a'));
    const b = await store.create(machine('team-d', 'vip-b'));
    const allocator = new IPAddressAllocator({ store });
    const got = await allocator.claim({
      pool: 'vips',
      owner: a,
      name: 'vip-a',
      address: '10.50.0.5',
    });
    assert.ok(got.ok);
    assert.equal(got.ipAddress.spec.address, '10.50.0.5');
    const taken = await allocator.claim({
      pool: 'vips',
      owner: b,
      name: 'vip-b',
      address: '10.50.0.5',
    });
    assert.ok(!taken.ok);
    assert.equal(taken.reason, 'AddressInUse');
    const outside = await allocator.claim({
      pool: 'vips',
      owner: b,
      name: 'vip-b',
      address: '10.50.0.99',
    });
    assert.ok(!outside.ok);
    assert.equal(outside.reason, 'AddressNotInPool');
    const missing = await allocator.claim({ pool: 'nope', owner: b, name: 'vip-b' });
    assert.ok(!missing.ok);
    assert.equal(missing.reason, 'IPPoolNotFound');
    await store.create(
      pool('broken', { addresses: ['10.60.1.0/28'], prefix: 24, gateway: '10.60.0.1' }),
    );
    const broken = await allocator.claim({ pool: 'broken', owner: b, name: 'vip-b' });
    assert.ok(!broken.ok);
    assert.equal(broken.reason, 'IPPoolInvalid');
    assert.match(broken.message, /spec\.addresses\[0\]/);
    assert.equal(
      (await allIPAddresses(store)).filter((ip) => ip.metadata.name === 'vip-b').length,
      0,
    );
  });

  it('a cluster with a block gets contiguous addresses; nobody else takes from its block', async () => {
    const { store } = env;
    await store.create(
      pool('blocks', {
        addresses: ['10.70.0.10-10.70.0.30'],
        prefix: 24,
        excludes: ['10.70.0.12'],
      }),
    );
    const clusters = await Promise.all(
      ['red', 'blue'].map((name) =>
        store.create<ClusterDeployment>({
          apiVersion: ApiVersion,
          kind: 'ClusterDeployment',
          metadata: { name, namespace: 'team-e' },
          spec: { template: 't', credential: 'c', network: { ipPool: 'blocks', blockSize: 4 } },
        }),
      ),
    );
    const allocator = new IPAddressAllocator({ store });
    const claims: Promise<{
      cluster: string;
      outcome: Awaited<ReturnType<IPAddressAllocator['claim']>>;
    }>[] = [];
    for (let i = 0; i < 5; i++) {
      for (const cluster of clusters) {
        const owner = await store.create(
          machine('team-e', `${cluster.metadata.name}-${i}`, cluster.metadata.name),
        );
        const block = {
          cluster: cluster.metadata.name,
          clusterUID: cluster.metadata.uid ?? '',
          size: 4,
        };
        claims.push(
          allocator
            .claim({ pool: 'blocks', owner, name: owner.metadata.name, block })
            .then((outcome) => ({ cluster: cluster.metadata.name, outcome })),
        );
      }
    }
    const loner = await store.create(machine('team-e', 'loner', 'other'));
    const results = await Promise.all(claims);
    const lonerGot = await allocator.claim({ pool: 'blocks', owner: loner, name: 'loner' });
    const stored = await store.get<IPPool>('IPPool', undefined, 'blocks');
    const blocks = stored.status?.blocks ?? {};
    assert.deepEqual(Object.keys(blocks).sort(), ['team-e/blue', 'team-e/red']);
    for (const cluster of ['red', 'blue']) {
      const mine = results.filter((r) => r.cluster === cluster);
      const ok = mine.filter((r) => r.outcome.ok);
      assert.equal(ok.length, 4, `${cluster}: 4 addresses fit its block`);
      const full = mine.find((r) => !r.outcome.ok)?.outcome;
      assert.ok(full && !full.ok && full.reason === 'PoolExhausted' && /block/.test(full.message));
      const block = blocks[`team-e/${cluster}`]!;
      const first = parseAddress(block.first)!.value;
      for (const r of ok) {
        assert.ok(r.outcome.ok);
        const value = parseAddress(r.outcome.ipAddress.spec.address)!.value;
        assert.ok(value >= first && value < first + 4n, `${cluster}: inside its block`);
      }
    }
    // The two blocks are 10.70.0.13-16 and .17-.20 (10, 11 and 12's gap leave no run of 4 first).
    assert.deepEqual(
      Object.values(blocks)
        .map((b) => b.first)
        .sort(),
      ['10.70.0.13', '10.70.0.17'],
    );
    assert.ok(lonerGot.ok);
    assert.equal(lonerGot.ipAddress.spec.address, '10.70.0.10');
  });
});
