import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientOptions, watchBackoff } from './client.ts';

test('watch reconnects back off from 100 ms, doubling, to at most 2 s, with ±20 % jitter', () => {
  let backoff = watchBackoff().next(undefined);
  const nominal = [100, 200, 400, 800, 1600, 2000, 2000];
  for (const expected of nominal) {
    assert.ok(
      backoff.duration >= expected * 0.8 && backoff.duration <= expected * 1.2,
      `${backoff.duration} ms for a nominal ${expected} ms`,
    );
    backoff = backoff.next(undefined);
  }
});

test('client options: every endpoint, a deadline on requests but none on watch streams', () => {
  const options = clientOptions({ endpoints: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] });
  assert.deepEqual(options.hosts, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  const factory = options.defaultCallOptions;
  assert.equal(typeof factory, 'function');
  if (typeof factory !== 'function') return;
  const unary = factory({ service: 'KV', method: 'range', isStream: false, params: {} });
  assert.ok(unary.deadline instanceof Date && unary.deadline.getTime() > Date.now());
  const stream = factory({ service: 'Watch', method: 'watch', isStream: true });
  assert.equal(stream.deadline, undefined);
  assert.throws(() => clientOptions({ endpoints: [] }), /at least one endpoint/);
});
