import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginRateLimiter } from './rate-limit.ts';
import { testClock } from './test-support.ts';

describe('login rate limiter', () => {
  const limits = { perUser: 2, perAddress: 3, windowMs: 10_000 };

  it('limits a user name after its failures, from any address, until they age out', () => {
    const clock = testClock();
    const limiter = new LoginRateLimiter({ limits, now: clock.read });
    limiter.recordFailure('ann', '10.0.0.1');
    clock.now += 4_000;
    limiter.recordFailure('ANN', '10.0.0.2');
    assert.deepEqual(limiter.check('ann', '10.0.0.3'), { allowed: false, retryAfterSeconds: 6 });
    assert.deepEqual(limiter.check('bob', '10.0.0.3'), { allowed: true });
    clock.now += 6_000; // the first failure ages out
    assert.deepEqual(limiter.check('ann', '10.0.0.3'), { allowed: true });
    limiter.recordFailure('ann', '10.0.0.4');
    assert.equal(limiter.check('ann', '10.0.0.3').allowed, false);
  });

  it('limits an address whatever names it tries', () => {
    const clock = testClock();
    const limiter = new LoginRateLimiter({ limits, now: clock.read });
    for (const name of ['a', 'b', 'c']) limiter.recordFailure(name, '10.0.0.9');
    assert.deepEqual(limiter.check('d', '10.0.0.9'), { allowed: false, retryAfterSeconds: 10 });
    assert.deepEqual(limiter.check('d', '10.0.0.8'), { allowed: true });
  });

  it("clears a user's failures at a successful login, not the address's", () => {
    const clock = testClock();
    const limiter = new LoginRateLimiter({ limits, now: clock.read });
    limiter.recordFailure('ann', '10.0.0.1');
    limiter.recordFailure('bob', '10.0.0.1');
    limiter.recordFailure('ann', '10.0.0.1'); // counted ahead of a check that succeeds
    limiter.recordSuccess('ann', '10.0.0.1');
    limiter.recordFailure('ann', '10.0.0.1');
    assert.equal(limiter.check('ann', '10.0.0.2').allowed, true, 'one failure since the success');
    assert.equal(limiter.check('carol', '10.0.0.1').allowed, false, 'three failures from there');
    limiter.recordSuccess('ann', '10.0.0.1');
    assert.equal(limiter.check('carol', '10.0.0.1').allowed, true, 'the success taken back');
  });
});
