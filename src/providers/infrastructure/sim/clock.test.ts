import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EarliestTimer, ManualClock } from './clock.ts';

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

  test('EarliestTimer keeps one timer, re-armed for the new time', async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const timer = new EarliestTimer(clock, () => void fired.push(clock.now()));
    timer.arm(500);
    timer.arm(500);
    assert.equal(clock.pendingTimers, 1);
    timer.arm(200);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(1_000);
    assert.deepEqual(fired, [200]);
    timer.arm(1_500);
    timer.arm(undefined);
    assert.equal(clock.pendingTimers, 0);
    timer.arm(1_200);
    timer.cancel();
    await clock.advance(1_000);
    assert.deepEqual(fired, [200]);
  });
});
