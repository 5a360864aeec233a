// Static addresses: network-config v2 that cloud-init's renderers accept, and node-ip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { input, renderChecked, values } from './test-fixtures.ts';

test('static network: network-config v2, node-ip, accepted by cloud-init renderers', async () => {
  const { rendered, reading, network } = await renderChecked(
    await input({
      role: 'worker',
      initialize: false,
      machineName: 'demo-md-0-n1',
      network: {
        address: '192.168.50.21',
        prefix: 24,
        gateway: '192.168.50.1',
        dnsServers: ['192.168.50.1', '9.9.9.9'],
        interfaceName: 'ens18',
      },
    }),
  );
  assert.equal(reading.config['node-ip'], '192.168.50.21');
  assert.deepEqual(parse(rendered.networkConfig ?? ''), {
    version: 2,
    ethernets: {
      ens18: {
        match: { name: 'ens18' },
        dhcp4: false,
        dhcp6: false,
        addresses: ['192.168.50.21/24'],
        routes: [{ to: '0.0.0.0/0', via: '192.168.50.1' }],
        nameservers: { addresses: ['192.168.50.1', '9.9.9.9'] },
      },
    },
  });
  assert.match(network?.eni ?? '', /iface ens18 inet static[\s\S]*address 192\.168\.50\.21\/24/);
  assert.match(network?.eni ?? '', /default gw 192\.168\.50\.1/);
  assert.match(network?.networkd ?? '', /Name=ens18[\s\S]*Gateway=192\.168\.50\.1/);
});

test('static network: the interface comes from the values when the input names none', async () => {
  const { rendered } = await renderChecked(
    await input({
      values: { ...values, guestNetwork: { interfaceName: 'eth1' } },
      network: { address: 'fd00:10::5', prefix: 64, gateway: 'fd00:10::1' },
    }),
  );
  const config = parse(rendered.networkConfig ?? '') as { ethernets: Record<string, unknown> };
  assert.deepEqual(config.ethernets, {
    eth1: {
      match: { name: 'eth1' },
      dhcp4: false,
      dhcp6: false,
      addresses: ['fd00:10::5/64'],
      routes: [{ to: '::/0', via: 'fd00:10::1' }],
    },
  });
});
