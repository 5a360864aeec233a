import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockTable, LockTimeoutError } from './locks.ts';

describe('LockTable', () => {
  test('shared holders coexist; an exclusive request waits for them, in order', async () => {
    const locks = new LockTable();
    const a = await locks.acquire('/l', 'shared', { timeoutMs: 1000 });
    const b = await locks.acquire('/l', 'shared', { timeoutMs: 1000 });
    const order: string[] = [];
    let waited = false;
    const exclusive = locks
      .acquire('/l', 'exclusive', { timeoutMs: 1000, onWait: () => (waited = true) })
      .then((release) => {
        order.push('exclusive');
        return release;
      });
    // A later shared request queues behind the waiting exclusive one.
    const laterShared = locks.acquire('/l', 'shared', { timeoutMs: 1000 }).then((release) => {
      order.push('shared');
      return release;
    });
    a();
    b();
    (await exclusive)();
    (await laterShared)();
    assert.equal(waited, true);
    assert.deepEqual(order, ['exclusive', 'shared']);
    assert.equal(locks.busy('/l'), false);
  });

  test("a waiter gives up after its timeout with lock_file's message", async () => {
    const locks = new LockTable();
    const held = await locks.acquire('/var/lock/x', 'exclusive', { timeoutMs: 1000 });
    await assert.rejects(
      locks.acquire('/var/lock/x', 'exclusive', { timeoutMs: 30 }),
      (err: unknown) =>
        err instanceof LockTimeoutError &&
        err.message === "can't lock file '/var/lock/x' - got timeout",
    );
    await assert.rejects(
      locks.acquire('/var/lock/x', 'shared', { timeoutMs: 10, timeoutMessage: 'cfs-lock timeout' }),
      /cfs-lock timeout/,
    );
    held();
    const next = await locks.acquire('/var/lock/x', 'exclusive', { timeoutMs: 10 });
    next();
    next(); // releasing twice is harmless
    assert.equal(locks.busy('/var/lock/x'), false);
  });
});

describe('LockTable waiters and signals', () => {
  test('an aborted waiter leaves the queue at once with "interrupted by signal"', async () => {
    const locks = new LockTable();
    const held = await locks.acquire('/l', 'exclusive', { timeoutMs: 1000 });
    const abort = new AbortController();
    const waiting = locks.acquire('/l', 'exclusive', { timeoutMs: 10_000, signal: abort.signal });
    abort.abort();
    await assert.rejects(waiting, /interrupted by signal/);
    held();
    assert.equal(locks.busy('/l'), false);
  });
});
