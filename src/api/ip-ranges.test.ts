import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalAddress,
  countAddresses,
  formatRange,
  mergeRanges,
  parseAddress,
  parseRange,
  subtractRanges,
  type AddressRange,
} from './ip-ranges.ts';

function range(text: string): AddressRange {
  const parsed = parseRange(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.range;
}

test('addresses parse strictly and print canonically', () => {
  assert.equal(parseAddress('10.0.0.1')?.value, 167772161n);
  assert.equal(parseAddress('10.0.0.01'), undefined);
  assert.equal(parseAddress('fe80::1%eth0'), undefined);
  assert.equal(parseAddress('dns.example'), undefined);
  assert.equal(canonicalAddress('2001:0DB8:0:0:0:0:0:0001'), '2001:db8::1');
  assert.equal(canonicalAddress('10.0.0.9'), '10.0.0.9');
});

test('ranges, CIDRs and single addresses', () => {
  assert.equal(formatRange(range('10.0.0.10 - 10.0.0.12')), '10.0.0.10-10.0.0.12');
  assert.equal(formatRange(range('10.0.1.0/30')), '10.0.1.0-10.0.1.3');
  assert.equal(formatRange(range('10.0.1.77/30')), '10.0.1.76-10.0.1.79');
  assert.equal(formatRange(range('fd00::5')), 'fd00::5');
  assert.equal(countAddresses([range('fd00::/120')]), 256n);
  for (const bad of ['10.0.0.5-10.0.0.1', '10.0.0.1-fd00::1', '10.0.0.0/33', '10.0.0.0/x', 'x']) {
    assert.equal(parseRange(bad).ok, false, bad);
  }
});

test('merge joins touching ranges; subtract cuts holes', () => {
  const merged = mergeRanges([
    range('10.0.0.20-10.0.0.30'),
    range('10.0.0.1-10.0.0.19'),
    range('10.0.0.25'),
  ]);
  assert.deepEqual(merged.map(formatRange), ['10.0.0.1-10.0.0.30']);
  const left = subtractRanges(
    mergeRanges([range('10.0.0.1-10.0.0.30'), range('10.0.0.40-10.0.0.50')]),
    mergeRanges([range('10.0.0.1'), range('10.0.0.10-10.0.0.12'), range('10.0.0.30-10.0.0.45')]),
  );
  assert.deepEqual(left.map(formatRange), [
    '10.0.0.2-10.0.0.9',
    '10.0.0.13-10.0.0.29',
    '10.0.0.46-10.0.0.50',
  ]);
  assert.equal(countAddresses(left), 8n + 17n + 5n);
});
