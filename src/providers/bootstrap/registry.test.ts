import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapProviders, createBootstrapRegistry, getBootstrapProvider } from './registry.ts';

test('the registry knows k3s and nothing it cannot serve', () => {
  assert.deepEqual([...bootstrapProviders.keys()], ['k3s']);
  const k3s = getBootstrapProvider('k3s');
  assert.equal(k3s?.distribution, 'k3s');
  assert.ok(k3s?.valuesSchema);
  assert.equal(getBootstrapProvider('k0s'), undefined);
  assert.equal(getBootstrapProvider('K3S'), undefined);
});

test('two providers for one distribution are a wiring mistake', () => {
  const k3s = getBootstrapProvider('k3s');
  assert.ok(k3s);
  assert.throws(
    () => createBootstrapRegistry([k3s, k3s]),
    /two bootstrap providers for distribution k3s/,
  );
});
