import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderNetworkConfig } from '../../../providers/bootstrap/cloud-init/network-config.ts';
import { DhcpPool, nicAddressing, NetworkConfigError } from './network.ts';
import { linkLocal } from './interfaces.ts';

const nic = { kernelName: 'ens18', mac: 'bc:24:11:aa:bb:cc', driver: 'virtio_net' };

describe('guest NIC addressing from network-config', () => {
  test("the bootstrap provider's rendering (match by name glob) gives the static address", () => {
    const text = renderNetworkConfig({ address: '127.0.40.10', prefix: 24, gateway: '127.0.40.1' });
    assert.deepEqual(nicAddressing(text, nic), {
      kind: 'static',
      name: 'ens18',
      address: '127.0.40.10',
      prefix: 24,
    });
  });

  test('match by MAC (case-insensitive) with set-name, under a network: wrapper', () => {
    const text = [
      'network:',
      '  version: 2',
      '  ethernets:',
      '    nic0:',
      '      match: {macaddress: "BC:24:11:AA:BB:CC"}',
      '      set-name: eth0',
      '      addresses: [10.0.0.10/24]',
    ].join('\n');
    assert.deepEqual(nicAddressing(text, nic), {
      kind: 'static',
      name: 'eth0',
      address: '10.0.0.10',
      prefix: 24,
    });
  });

  test('an entry for another MAC, dhcp4, or no network-config at all: DHCP', () => {
    const other =
      'version: 2\nethernets:\n  x:\n    match: {macaddress: "bc:24:11:00:00:01"}\n    addresses: [10.0.0.9/24]\n';
    assert.deepEqual(nicAddressing(other, nic), { kind: 'dhcp', name: 'ens18' });
    assert.deepEqual(nicAddressing('version: 2\nethernets:\n  ens18: {dhcp4: true}\n', nic), {
      kind: 'dhcp',
      name: 'ens18',
    });
    assert.deepEqual(nicAddressing(undefined, nic), { kind: 'dhcp', name: 'ens18' });
  });

  test('version 1 static subnets; bad documents are errors', () => {
    const v1 =
      'version: 1\nconfig:\n  - type: physical\n    name: eth0\n    mac_address: bc:24:11:aa:bb:cc\n    subnets:\n      - {type: static, address: 192.0.2.5/26}\n';
    assert.deepEqual(nicAddressing(v1, nic), {
      kind: 'static',
      name: 'eth0',
      address: '192.0.2.5',
      prefix: 26,
    });
    assert.throws(() => nicAddressing('version: 3\n', nic), NetworkConfigError);
    assert.throws(() => nicAddressing('{{', nic), /not valid YAML/);
  });

  test('DHCP leases are stable per MAC and skip addresses in use', () => {
    const pool = new DhcpPool({ first: 0x7f002a0a, last: 0x7f002a0c }); // 127.0.42.10–12
    assert.equal(pool.lease('aa', new Set(['127.0.42.10'])), '127.0.42.11');
    assert.equal(pool.lease('aa', new Set()), '127.0.42.11');
    assert.equal(pool.lease('bb', new Set()), '127.0.42.10');
    assert.equal(pool.lease('cc', new Set()), '127.0.42.12');
    assert.equal(pool.lease('dd', new Set()), undefined, 'the range is used up');
    pool.release('aa');
    assert.equal(pool.lease('dd', new Set()), '127.0.42.11');
    assert.equal(new DhcpPool().lease('aa', new Set()), undefined);
  });

  test('the link-local address is the MAC as EUI-64', () => {
    assert.equal(linkLocal('bc:24:11:aa:bb:cc'), 'fe80::be24:11ff:feaa:bbcc');
  });
});
