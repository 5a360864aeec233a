import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRange } from '../ip-ranges.ts';
import { readIPPoolSpec, type IPPoolSpec } from './ip-pool.ts';

test('a pool hands out its ranges less the gateway, excludes and network/broadcast', () => {
  const read = readIPPoolSpec({
    addresses: ['10.0.0.0/29', '10.0.0.20-10.0.0.22', '10.0.0.255'],
    prefix: 24,
    gateway: '10.0.0.1',
    excludes: ['10.0.0.5', '10.0.0.21-10.0.0.40'],
  });
  assert.ok(read.ok);
  assert.deepEqual(read.layout.usable.map(formatRange), [
    '10.0.0.2-10.0.0.4',
    '10.0.0.6-10.0.0.7',
    '10.0.0.20',
  ]);
  assert.equal(read.layout.total, 6n);
  assert.equal(read.layout.family, 4);
});

test('point-to-point and IPv6 subnets', () => {
  const p2p = readIPPoolSpec({ addresses: ['10.9.0.0/31'], prefix: 31 });
  assert.ok(p2p.ok);
  assert.equal(p2p.layout.total, 2n);
  const v6 = readIPPoolSpec({ addresses: ['fd00:1::/120'], prefix: 64, gateway: 'fd00:1::1' });
  assert.ok(v6.ok);
  assert.deepEqual(v6.layout.usable.map(formatRange), ['fd00:1::2-fd00:1::ff']);
  const huge = readIPPoolSpec({ addresses: ['fd00:2::/64'], prefix: 64 });
  assert.ok(huge.ok);
  assert.equal(huge.layout.total, 2n ** 64n - 1n);
});

test('every problem is reported with its field path', () => {
  const cases: [IPPoolSpec, string[]][] = [
    [{ addresses: ['10.0.1.5-10.0.1.9'], prefix: 24, gateway: '10.0.0.1' }, ['spec.addresses[0]']],
    [{ addresses: ['10.0.0.5', 'fd00::5'], prefix: 24 }, ['spec.addresses[1]']],
    [
      { addresses: ['10.0.0.5-10.0.0.1', 'nope'], prefix: 24 },
      ['spec.addresses[0]', 'spec.addresses[1]'],
    ],
    [{ addresses: ['10.0.0.5'], prefix: 40 }, ['spec.prefix']],
    [{ addresses: ['10.0.0.5'], prefix: 24, gateway: '10.0.0.0' }, ['spec.gateway']],
    [{ addresses: ['10.0.0.5'], prefix: 24, gateway: 'router' }, ['spec.gateway']],
    [
      { addresses: ['10.0.0.5'], prefix: 24, excludes: ['fd00::1', '10.0.0.x'] },
      ['spec.excludes[0]', 'spec.excludes[1]'],
    ],
    [
      { addresses: ['10.0.0.5'], prefix: 24, dnsServers: ['1.1.1.1', 'dns'] },
      ['spec.dnsServers[1]'],
    ],
  ];
  for (const [spec, fields] of cases) {
    const read = readIPPoolSpec(spec);
    assert.equal(read.ok, false, JSON.stringify(spec));
    if (read.ok) continue;
    assert.deepEqual(
      read.causes.map((c) => c.field),
      fields,
      JSON.stringify(spec),
    );
    for (const c of read.causes) assert.ok(c.message.length > 0);
  }
  const outside = readIPPoolSpec({
    addresses: ['10.0.1.5-10.0.1.9'],
    prefix: 24,
    gateway: '10.0.0.1',
  });
  assert.ok(!outside.ok);
  assert.match(outside.causes[0]?.message ?? '', /outside the subnet 10\.0\.0\.0\/24/);
});
