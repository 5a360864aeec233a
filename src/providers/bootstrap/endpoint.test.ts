import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointNames, endpointURL } from './endpoint.ts';

test('endpoint URLs', () => {
  assert.equal(endpointURL({ host: 'k8s.lan', port: 6443 }), 'https://k8s.lan:6443');
  assert.equal(endpointURL({ host: '2001:db8::1', port: 443 }), 'https://[2001:db8::1]:443');
  assert.equal(
    endpointURL({ host: '127.0.0.1', port: 7443, pathPrefix: '/c/ns/x/' }),
    'https://127.0.0.1:7443/c/ns/x',
  );
  for (const bad of [
    { host: '', port: 6443 },
    { host: 'a/b', port: 6443 },
    { host: 'a', port: 70000 },
    { host: 'a', port: 6443, pathPrefix: 'no-slash' },
  ]) {
    assert.throws(() => endpointURL(bad), /endpoint/, JSON.stringify(bad));
  }
  assert.deepEqual(endpointNames({ host: 'a', port: 1, tlsServerName: 'a' }), ['a']);
  assert.deepEqual(endpointNames({ host: '10.0.0.1', port: 1, tlsServerName: 'x.sim' }), [
    '10.0.0.1',
    'x.sim',
  ]);
});
