import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { withDeadline } from './deadline.ts';

function abortable(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

test('a call that outlives its deadline is aborted with a TimeoutError', async () => {
  const parent = new AbortController();
  await assert.rejects(withDeadline(parent.signal, 20, abortable), { name: 'TimeoutError' });
});

test('the parent signal aborts the call with its own reason', async () => {
  const parent = new AbortController();
  const call = withDeadline(parent.signal, 10_000, abortable);
  parent.abort(new Error('shutting down'));
  await assert.rejects(call, { message: 'shutting down' });
});

test('an already aborted parent aborts at once', async () => {
  const parent = new AbortController();
  parent.abort(new Error('gone'));
  await assert.rejects(
    withDeadline(parent.signal, 10_000, (signal) => {
      signal.throwIfAborted();
      return Promise.resolve('ran');
    }),
    { message: 'gone' },
  );
});

test('after the call settles the deadline no longer fires', async () => {
  const parent = new AbortController();
  let seen: AbortSignal | undefined;
  const value = await withDeadline(parent.signal, 20, (signal) => {
    seen = signal;
    return Promise.resolve(42);
  });
  assert.equal(value, 42);
  await sleep(60);
  assert.equal(seen?.aborted, false);
  parent.abort();
  assert.equal(seen?.aborted, false, 'the parent is no longer linked either');
});
