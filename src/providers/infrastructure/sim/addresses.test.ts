import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseSimProviderID,
  simAddressFor,
  simProviderID,
  staticAddressFrom,
} from './addresses.ts';

describe('sim addresses and provider IDs', () => {
  test('VM IDs map to distinct private addresses, never .0 or .255', () => {
    assert.equal(simAddressFor(1), '10.77.0.1');
    assert.equal(simAddressFor(254), '10.77.0.254');
    assert.equal(simAddressFor(255), '10.77.1.1');
    assert.equal(simAddressFor(254 * 256), '10.77.255.254');
    assert.equal(simAddressFor(254 * 256 + 1), '10.78.0.1');
    const seen = new Set<string>();
    for (let vmid = 1; vmid <= 5_000; vmid++) {
      const address = simAddressFor(vmid);
      assert.doesNotMatch(address, /\.(0|255)$/);
      seen.add(address);
    }
    assert.equal(seen.size, 5_000);
    assert.throws(() => simAddressFor(0), /invalid/);
  });

  test('provider IDs round-trip', () => {
    const id = simProviderID('team-a', 'demo-cp-1', 42);
    assert.equal(id, 'sim://team-a/demo-cp-1/42');
    assert.deepEqual(parseSimProviderID(id), {
      namespace: 'team-a',
      machineName: 'demo-cp-1',
      vmid: 42,
    });
    assert.equal(parseSimProviderID('proxmox://pve/1'), undefined);
  });

  test('a static address comes from network-config v2, with or without network:', () => {
    const v2 = 'version: 2\nethernets:\n  eth0:\n    addresses: [10.1.2.3/24]\n';
    assert.equal(staticAddressFrom(v2), '10.1.2.3');
    assert.equal(staticAddressFrom(`network:\n  ${v2.replace(/\n(?=.)/g, '\n  ')}`), '10.1.2.3');
    const v6First = 'version: 2\nethernets:\n  eth0:\n    addresses: ["fd00::1/64", 10.9.9.9/16]\n';
    assert.equal(staticAddressFrom(v6First), '10.9.9.9');
    assert.equal(
      staticAddressFrom('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n'),
      undefined,
    );
    assert.equal(staticAddressFrom(undefined), undefined);
    assert.equal(staticAddressFrom(': : :'), undefined);
  });
});
