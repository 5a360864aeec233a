import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, humanDuration, parseDuration } from './duration.ts';

test('parseDuration reads Go-style durations', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('1m30s500ms'), 90_500);
  assert.equal(parseDuration('45'), 45_000);
  assert.equal(parseDuration('0'), 0);
});

test('parseDuration rejects anything else', () => {
  for (const bad of ['', 'abc', '5x', '1h 30m', 'm5', '-5s', '5s!']) {
    assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  }
});

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration rounds like kubectl', () => {
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 20 * s, '3m20s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 15 * m, '5h15m'],
    [8 * h + 15 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [4 * d + 3 * h, '4d3h'],
    [9 * d + 3 * h, '9d'],
    [729 * d, '729d'],
    [3 * 365 * d + 10 * d, '3y10d'],
    [3 * 365 * d, '3y'],
    [9 * 365 * d + 10 * d, '9y'],
  ];
  for (const [ms, expected] of cases) assert.equal(humanDuration(ms), expected, `${ms}ms`);
});

test('formatAge measures from a timestamp, and shows future times', () => {
  const now = Date.parse('2025-01-10T12:00:00Z');
  assert.equal(formatAge('2025-01-10T11:57:00Z', now), '3m');
  assert.equal(formatAge('2025-01-06T12:00:00Z', now), '4d');
  assert.equal(formatAge('2025-01-10T12:00:00.500Z', now), '0s');
  assert.equal(formatAge('2025-01-14T12:00:00Z', now), 'in 4d');
  assert.equal(formatAge('yesterday', now), '<unknown>');
});
