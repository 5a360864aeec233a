import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyLimiter } from './limiter.ts';
import { ManualTimers, flushMicrotasks } from './manual-timers.ts';
import { deferred, Signal, type Deferred } from './test-support.ts';
import { WorkQueue } from './work-queue.ts';

/** A handler whose passes the test finishes by hand, counting overlap per key. */
function heldHandler() {
  const running = new Map<string, number>();
  const passes: string[] = [];
  const holds: { key: string; done: Deferred<void> }[] = [];
  let maxPerKey = 0;
  let maxTotal = 0;
  const progress = new Signal();
  const process = async (key: string) => {
    const now = (running.get(key) ?? 0) + 1;
    running.set(key, now);
    maxPerKey = Math.max(maxPerKey, now);
    maxTotal = Math.max(
      maxTotal,
      [...running.values()].reduce((a, b) => a + b, 0),
    );
    passes.push(key);
    const done = deferred();
    holds.push({ key, done });
    progress.check();
    try {
      await done.promise;
    } finally {
      running.set(key, (running.get(key) ?? 1) - 1);
    }
  };
  return {
    process,
    passes,
    progress,
    get maxPerKey() {
      return maxPerKey;
    },
    get maxTotal() {
      return maxTotal;
    },
    /** Finish the oldest pass still held (of `key`, if given). */
    finish(key?: string) {
      const i = holds.findIndex((h) => key === undefined || h.key === key);
      const [hold] = holds.splice(i, 1);
      assert.ok(hold, `a held pass${key ? ` of ${key}` : ''}`);
      hold.done.resolve();
    },
    get held() {
      return holds.map((h) => h.key);
    },
  };
}

test('a key added many times while waiting is processed once', async () => {
  const queue = new WorkQueue({ concurrency: 2 });
  for (let i = 0; i < 5; i++) queue.add('a');
  queue.add('b');
  assert.equal(queue.depth, 2);
  const seen: string[] = [];
  queue.start(async (key) => {
    seen.push(key);
    await Promise.resolve();
  });
  await queue.whenIdle();
  assert.deepEqual(seen.sort(), ['a', 'b']);
});

test('a key is never processed concurrently with itself; re-added while running, it runs again after', async () => {
  const h = heldHandler();
  const queue = new WorkQueue({ concurrency: 4 });
  queue.start(h.process);
  queue.add('a');
  await h.progress.until(() => h.held.length === 1);
  for (let i = 0; i < 3; i++) queue.add('a'); // dirty while processing: one more pass
  queue.add('b');
  await h.progress.until(() => h.held.length === 2);
  assert.deepEqual(h.held, ['a', 'b']);
  assert.equal(queue.depth, 0, 'the re-added key waits outside the ready queue');
  h.finish('a');
  await h.progress.until(() => h.passes.length === 3);
  assert.deepEqual(h.passes, ['a', 'b', 'a']);
  h.finish('b');
  h.finish('a');
  await queue.whenIdle();
  assert.equal(h.maxPerKey, 1);
});

test('no more than `concurrency` keys run at once', async () => {
  const h = heldHandler();
  const queue = new WorkQueue({ concurrency: 2 });
  queue.start(h.process);
  for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
  await h.progress.until(() => h.held.length === 2);
  assert.equal(queue.depth, 3);
  while (h.passes.length < 5 || h.held.length > 0) {
    if (h.held.length > 0) h.finish();
    await flushMicrotasks();
  }
  await queue.whenIdle();
  assert.equal(h.maxTotal, 2);
  assert.deepEqual(h.passes, ['a', 'b', 'c', 'd', 'e']);
});

test('a shared limiter caps keys in flight across queues', async () => {
  const h = heldHandler();
  const limiter = new ConcurrencyLimiter(3);
  const queues = [1, 2].map(() => new WorkQueue({ concurrency: 3, limiter }));
  for (const [i, q] of queues.entries()) {
    q.start(h.process);
    for (const k of ['a', 'b', 'c']) q.add(`${i}${k}`);
  }
  await h.progress.until(() => h.held.length === 3);
  await flushMicrotasks();
  assert.equal(h.held.length, 3);
  assert.equal(limiter.inUse, 3);
  while (h.passes.length < 6 || h.held.length > 0) {
    if (h.held.length > 0) h.finish();
    await flushMicrotasks();
  }
  await Promise.all(queues.map((q) => q.whenIdle()));
  assert.equal(h.maxTotal, 3);
  assert.equal(limiter.inUse, 0);
});

test('failures back off exponentially with full jitter; forget resets', () => {
  const timers = new ManualTimers();
  let draw = 0.999;
  const queue = new WorkQueue({ timers, random: () => draw });
  const delays = [1, 2, 3, 4].map(() => queue.addRateLimited('a'));
  // Each failure doubles the window; a pending earlier retry wins, so one timer waits.
  assert.deepEqual(
    delays,
    [50, 100, 200, 400].map((c) => Math.round(0.999 * c)),
  );
  assert.equal(queue.failures('a'), 4);
  assert.deepEqual(timers.pendingDelays(), [50]);
  queue.forget('a');
  assert.equal(queue.failures('a'), 0);
  draw = 0.25;
  assert.equal(queue.addRateLimited('b'), 13);
  assert.equal(queue.addRateLimited('b'), 25);
  draw = 0;
  assert.equal(queue.addRateLimited('b'), 0, 'full jitter reaches down to zero');
  assert.equal(queue.depth, 1, 'a zero delay adds at once');
});

test('a failing key is retried after its backoff, never before', async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers, random: () => 0.999, backoff: { baseMs: 1000 } });
  let passes = 0;
  queue.start((key) => {
    passes++;
    if (passes < 3) throw new Error(`${key} failed`);
    queue.forget(key);
    return Promise.resolve();
  });
  queue.add('a');
  await queue.whenIdle();
  assert.equal(passes, 1);
  await timers.advance(998);
  assert.equal(passes, 1);
  await timers.advance(1);
  assert.equal(passes, 2, 'retried after 999 ms');
  await timers.advance(1997);
  assert.equal(passes, 2);
  await timers.advance(1);
  assert.equal(passes, 3, 'second retry after 1998 ms');
  assert.equal(queue.failures('a'), 0);
});

test('addAfter holds a key back and keeps the earliest deadline', async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  const seen: string[] = [];
  queue.start((key) => {
    seen.push(key);
    return Promise.resolve();
  });
  queue.addAfter('a', 5000);
  queue.addAfter('a', 9000);
  queue.addAfter('b', 3000);
  queue.addAfter('b', 1000);
  assert.equal(queue.delayedCount, 2);
  await timers.advance(999);
  assert.deepEqual(seen, []);
  await timers.advance(1);
  assert.deepEqual(seen, ['b']);
  await timers.advance(4000);
  assert.deepEqual(seen, ['b', 'a']);
  await timers.advance(10_000);
  assert.deepEqual(seen, ['b', 'a'], 'the later deadline was dropped');
  assert.equal(timers.pendingCount, 0);
});

test('shutdown lets keys in flight finish, drops the rest and takes nothing new', async () => {
  const timers = new ManualTimers();
  const h = heldHandler();
  const queue = new WorkQueue({ timers, concurrency: 1 });
  queue.start(h.process);
  queue.add('a');
  queue.add('b');
  queue.addAfter('c', 1000);
  await h.progress.until(() => h.held.length === 1);
  queue.add('a'); // dirty while in flight: dropped by shutdown
  let finished = false;
  const stopped = queue.shutdown().then(() => (finished = true));
  queue.add('d');
  await flushMicrotasks();
  assert.equal(finished, false, 'waits for the key in flight');
  assert.equal(queue.depth, 0);
  assert.equal(timers.pendingCount, 0, 'delayed keys dropped');
  h.finish('a');
  await stopped;
  assert.deepEqual(h.passes, ['a']);
});
