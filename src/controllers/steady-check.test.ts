import assert from 'node:assert/strict';
import { test } from 'node:test';
import { untilSteadyCheck } from './steady-check.ts';

const minute = 60_000;

test('a cluster and its machines come due at the same moment, whenever each asks', () => {
  const uid = '2f0c6b1e-5d4a-4c1e-9f5b-7a2d3c4b5e6f';
  const due = (now: number) => now + untilSteadyCheck(5 * minute, uid, now);
  const first = due(1_000_000);
  assert.equal(due(1_000_000 + 1234), first);
  assert.equal(due(1_000_000 + 5678), first);
  assert.equal(due(first + 10), first + 5 * minute, 'after the tick, the next one');
});

test('the delay stays between 1 s and the interval plus 1 s', () => {
  for (let i = 0; i < 1000; i++) {
    const delay = untilSteadyCheck(5 * minute, `uid-${i}`, 1_700_000_000_000 + i * 7919);
    assert.ok(delay >= 1000 && delay < 5 * minute + 1000, `delay ${delay}`);
  }
});

test('a tick less than a second away waits for the next one', () => {
  const uid = 'abc';
  const now = 10 * minute;
  const tick = now + untilSteadyCheck(minute, uid, now);
  assert.equal(untilSteadyCheck(minute, uid, tick - 500), minute + 500);
});

test("a fleet's ticks spread over the interval", () => {
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const delay = untilSteadyCheck(10 * minute, `cluster-uid-${i}`, 0);
    const bucket = Math.min(9, Math.floor(delay / minute));
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  }
  for (const count of buckets) assert.ok(count > 800 && count < 1200, `bucket of ${count}`);
});
