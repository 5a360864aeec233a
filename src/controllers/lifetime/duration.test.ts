import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLifetime } from './duration.ts';

describe('parseLifetime', () => {
  it('reads hours, minutes, seconds, fractions and combinations', () => {
    assert.equal(parseLifetime('720h'), 720 * 3_600_000);
    assert.equal(parseLifetime('90m'), 90 * 60_000);
    assert.equal(parseLifetime('1h30m'), 5_400_000);
    assert.equal(parseLifetime('1.5h'), 5_400_000);
    assert.equal(parseLifetime('45s'), 45_000);
    assert.equal(parseLifetime('1h1m1s'), 3_661_000);
    assert.equal(parseLifetime('0s'), 0);
  });

  it('refuses anything else, naming the field', () => {
    for (const bad of ['', '10', '-1h', '1d', '1h 30m', 'h', '1.h', '30mx']) {
      assert.throws(
        () => parseLifetime(bad, 'spec.maxClusterLifetime'),
        /^Error: spec\.maxClusterLifetime: ".*" is not a duration/,
        bad,
      );
    }
  });
});
