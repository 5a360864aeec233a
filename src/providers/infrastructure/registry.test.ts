import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createInfrastructureRegistry } from './registry.ts';
import type { InfrastructureProvider } from './types.ts';

function fakeProvider(name: string): InfrastructureProvider {
  const unused = () => Promise.reject(new Error('not used'));
  return {
    name,
    checkCredential: unused,
    inventory: unused,
    reconcileMachine: unused,
    observeMachine: unused,
    deleteMachine: unused,
  };
}

describe('infrastructure registry', () => {
  test('looks providers up by name and lists the names sorted', () => {
    const sim = fakeProvider('sim');
    const proxmox = fakeProvider('proxmox');
    const registry = createInfrastructureRegistry([sim, proxmox]);
    assert.equal(registry.get('sim'), sim);
    assert.equal(registry.get('proxmox'), proxmox);
    assert.equal(registry.get('openstack'), undefined);
    assert.equal(registry.has('sim'), true);
    assert.equal(registry.has('Sim'), false);
    assert.deepEqual(registry.names(), ['proxmox', 'sim']);
  });

  test('names() hands out a copy', () => {
    const registry = createInfrastructureRegistry([fakeProvider('sim')]);
    registry.names().push('evil');
    assert.deepEqual(registry.names(), ['sim']);
  });

  test('refuses two providers with one name, or a nameless one', () => {
    assert.throws(
      () => createInfrastructureRegistry([fakeProvider('sim'), fakeProvider('sim')]),
      /two infrastructure providers are named "sim"/,
    );
    assert.throws(() => createInfrastructureRegistry([fakeProvider('')]), /has no name/);
  });

  test('an empty registry knows nothing', () => {
    const registry = createInfrastructureRegistry([]);
    assert.deepEqual(registry.names(), []);
    assert.equal(registry.get('sim'), undefined);
  });
});
