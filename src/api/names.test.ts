import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dns1123LabelError, dns1123SubdomainError } from './names.ts';

test('DNS-1123 labels', () => {
  for (const ok of ['a', 'demo', 'k3s-1', '0abc', 'a'.repeat(63)]) {
    assert.equal(dns1123LabelError(ok), undefined, ok);
  }
  for (const bad of ['', 'Demo', '-a', 'a-', 'a.b', 'a_b', 'a'.repeat(64)]) {
    assert.match(dns1123LabelError(bad) ?? '', /must/, bad);
  }
});

test('DNS-1123 subdomains', () => {
  for (const ok of ['a', 'a.b', 'k3s-1.31', 'x'.repeat(253)]) {
    assert.equal(dns1123SubdomainError(ok), undefined, ok);
  }
  for (const bad of ['', 'A', '.a', 'a.', 'a..b', 'a_b', 'x'.repeat(254)]) {
    assert.match(dns1123SubdomainError(bad) ?? '', /must/, bad);
  }
});
