// The allocation rules alone, without a store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readIPPoolSpec, type IPPoolLayout, type IPPoolSpec } from '../../api/kinds/ip-pool.ts';
import { allocate, poolCounts, type AddressClaim, type AllocationRecord } from './allocation.ts';

const now = new Date('2026-03-01T00:00:00Z');

function layoutOf(spec: IPPoolSpec): IPPoolLayout {
  const read = readIPPoolSpec(spec);
  if (!read.ok) throw new Error(JSON.stringify(read.causes));
  return read.layout;
}

function claim(name: string, extra: Partial<AddressClaim> = {}): AddressClaim {
  return {
    namespace: 'ns',
    name,
    claimRef: { kind: 'Machine', name, uid: `uid-${name}` },
    ...extra,
  };
}

const empty: AllocationRecord = { allocations: {}, blocks: {} };

test('IPv6: lowest free first, in canonical form; the same claim twice gets one address', () => {
  const layout = layoutOf({
    addresses: ['fd00:1::10-fd00:1::12'],
    prefix: 64,
    gateway: 'fd00:1::1',
  });
  const first = allocate({
    pool: 'v6',
    layout,
    record: empty,
    claims: [claim('a'), claim('b'), claim('a')],
    now,
  });
  assert.deepEqual(
    first.results.map((r) => (r.ok ? r.address : r.reason)),
    ['fd00:1::10', 'fd00:1::11', 'fd00:1::10'],
  );
  assert.equal(first.changed, true);
  const again = allocate({ pool: 'v6', layout, record: first.record, claims: [claim('b')], now });
  assert.equal(again.changed, false);
  assert.deepEqual(again.results, [{ ok: true, address: 'fd00:1::11' }]);
  const counts = poolCounts(layout, first.record);
  assert.deepEqual(counts, { total: 3n, allocated: 2, free: 1n });
  const full = allocate({
    pool: 'v6',
    layout,
    record: first.record,
    claims: [claim('c'), claim('d')],
    now,
  });
  assert.deepEqual(
    full.results.map((r) => (r.ok ? r.address : r.reason)),
    ['fd00:1::12', 'PoolExhausted'],
  );
  // A specific address is matched in any spelling.
  const specific = allocate({
    pool: 'v6',
    layout,
    record: empty,
    claims: [claim('vip', { address: 'FD00:1:0:0::12' })],
    now,
  });
  assert.deepEqual(specific.results, [{ ok: true, address: 'fd00:1::12' }]);
});

test('a block of a cluster of the same name but another uid is waited out', () => {
  const layout = layoutOf({ addresses: ['10.0.0.10-10.0.0.30'], prefix: 24 });
  const block = (uid: string) => ({ cluster: 'c', clusterUID: uid, size: 4 });
  const old = allocate({
    pool: 'p',
    layout,
    record: empty,
    claims: [claim('m1', { block: block('old') })],
    now,
  });
  const next = allocate({
    pool: 'p',
    layout,
    record: old.record,
    claims: [claim('m2', { block: block('new') })],
    now,
  });
  const [result] = next.results;
  assert.ok(result && !result.ok);
  assert.equal(result.reason, 'WaitingForIPAddress');
  assert.equal(next.changed, false);
});
