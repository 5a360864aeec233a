import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.ts';

describe('ManualClock', () => {
  test('fires due timers in time order at their time, and waits for their work', async () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimer(300, async () => {
      await Promise.resolve();
      fired.push(`b@${clock.now()}`);
    });
    clock.setTimer(100, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(50, () => void fired.push(`c@${clock.now()}`));
    });
    const cancel = clock.setTimer(200, () => void fired.push('cancelled'));
    cancel();
    await clock.advance(250);
    assert.deepEqual(fired, ['a@1100', 'c@1150']);
    assert.equal(clock.now(), 1_250);
    await clock.advance(50);
    assert.deepEqual(fired, ['a@1100', 'c@1150', 'b@1300']);
    assert.equal(clock.pendingTimers, 0);
  });
});
