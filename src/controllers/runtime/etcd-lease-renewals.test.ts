import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { LeaseRenewals } from './etcd-lease-renewals.ts';

function setup(ttlMs = 3000) {
  let now = 1000;
  const renewals = new LeaseRenewals(() => now, ttlMs);
  const lease = new EventEmitter();
  renewals.follow(lease);
  return {
    renewals,
    lease,
    fire: (ms: number) => {
      now = ms;
      lease.emit('keepaliveFired');
    },
    answer: (ms: number, ttl = '3') => {
      now = ms;
      lease.emit('keepaliveSucceeded', { TTL: ttl });
    },
  };
}

test('the grant counts from before it was sent', () => {
  const { renewals } = setup();
  assert.equal(renewals.deadline(600), 1000 + 3000 - 600);
});

test('an answer credits the oldest unanswered send, never a later one', () => {
  const { renewals, fire, answer } = setup();
  fire(2000);
  fire(3000);
  answer(3100); // the answer to the keepalive sent at 2000
  assert.equal(renewals.lastRenewedAt, 2000);
  answer(3200);
  assert.equal(renewals.lastRenewedAt, 3000);
  answer(3300); // nothing unanswered: credits nothing
  assert.equal(renewals.lastRenewedAt, 3000);
  assert.equal(renewals.deadline(600), 3000 + 3000 - 600);
});

test('a failed stream forgets its unanswered sends', () => {
  const { renewals, lease, fire, answer } = setup();
  fire(2000);
  lease.emit('keepaliveFailed');
  answer(2500);
  assert.equal(renewals.lastRenewedAt, 1000);
  fire(4000); // the next stream
  answer(4010);
  assert.equal(renewals.lastRenewedAt, 4000);
});

test('a shorter TTL reported by etcd is used, a longer one is not', () => {
  const { renewals, fire, answer } = setup(3000);
  fire(2000);
  answer(2010, '5');
  assert.equal(renewals.deadline(0), 2000 + 3000);
  fire(3000);
  answer(3010, '2');
  assert.equal(renewals.deadline(0), 3000 + 2000);
});

test('sends past the cap credit nothing rather than too late', () => {
  const { renewals, fire, answer } = setup();
  for (let i = 0; i < 150; i++) fire(2000 + i);
  for (let i = 0; i < 150; i++) answer(5000);
  assert.equal(renewals.lastRenewedAt, 2000 + 99);
});
