import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffCeiling, backoffDelay, jittered } from './backoff.ts';

test('the ceiling doubles from 50 ms per failure and stops at 5 minutes', () => {
  const ceilings = [1, 2, 3, 4, 5].map((n) => backoffCeiling(n));
  assert.deepEqual(ceilings, [50, 100, 200, 400, 800]);
  assert.equal(backoffCeiling(13), 204_800);
  assert.equal(backoffCeiling(14), 300_000);
  assert.equal(backoffCeiling(5000), 300_000, 'no overflow after many failures');
  assert.equal(backoffCeiling(0), 0);
  assert.equal(backoffCeiling(3, { baseMs: 10, maxMs: 25 }), 25);
});

test('full jitter draws each delay from the whole window [0, ceiling]', () => {
  for (let failures = 1; failures <= 20; failures++) {
    const ceiling = backoffCeiling(failures);
    assert.equal(
      backoffDelay(failures, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(failures, () => 0.5),
      Math.round(ceiling / 2),
    );
    assert.equal(
      backoffDelay(failures, () => 0.999999),
      Math.round(0.999999 * ceiling),
    );
  }
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelay(6, Math.random);
    assert.ok(d >= 0 && d <= 1600, `${d} within [0, 1600]`);
  }
});

test('jittered periods stay within ± the fraction', () => {
  assert.equal(
    jittered(600_000, 0.1, () => 0),
    540_000,
  );
  assert.equal(
    jittered(600_000, 0.1, () => 0.5),
    600_000,
  );
  assert.ok(jittered(600_000, 0.1, () => 0.999999) <= 660_000);
});
