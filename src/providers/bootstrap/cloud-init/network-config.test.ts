import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { BootstrapError } from '../errors.ts';
import { renderNetworkConfig } from './network-config.ts';
import { validateNetworkConfig } from './validator.ts';

test('without a known interface name: match by driver, else any e* NIC (netplan)', async () => {
  const byDriver = renderNetworkConfig({
    address: '10.1.0.5',
    prefix: 16,
    matchDriver: 'virtio_net',
  });
  assert.deepEqual(parse(byDriver), {
    version: 2,
    ethernets: {
      primary: {
        match: { driver: 'virtio_net' },
        dhcp4: false,
        dhcp6: false,
        addresses: ['10.1.0.5/16'],
      },
    },
  });
  const rendered = await validateNetworkConfig(byDriver);
  assert.match(rendered.netplan, /driver: virtio_net/);
  const byGlob = renderNetworkConfig({ address: '10.1.0.5', prefix: 16, dnsServers: ['10.1.0.1'] });
  assert.deepEqual(
    (parse(byGlob) as { ethernets: { primary: { match: unknown } } }).ethernets.primary.match,
    {
      name: 'e*',
    },
  );
  assert.match((await validateNetworkConfig(byGlob)).netplan, /name: e\*/);
});

test('a named interface with gateway and DNS renders on every cloud-init renderer', async () => {
  const rendered = await validateNetworkConfig(
    renderNetworkConfig({
      address: '172.16.3.9',
      prefix: 22,
      gateway: '172.16.0.1',
      dnsServers: ['172.16.0.2', '2606:4700:4700::1111'],
      interfaceName: 'enp1s0',
    }),
  );
  assert.match(rendered.eni, /iface enp1s0 inet static\n\s+address 172\.16\.3\.9\/22/);
  assert.match(rendered.networkd, /Name=enp1s0/);
  assert.match(rendered.networkd, /Gateway=172\.16\.0\.1/);
  assert.match(rendered.networkd, /DNS=172\.16\.0\.2 2606:4700:4700::1111/);
});

test('bad addresses are refused before any machine sees them', () => {
  const cases = [
    { address: '10.0.0.300', prefix: 24 },
    { address: '10.0.0.3', prefix: 33 },
    { address: 'fd00::3', prefix: 129 },
    { address: '10.0.0.3', prefix: 24, gateway: 'fd00::1' },
    { address: '10.0.0.3', prefix: 24, dnsServers: ['dns.example'] },
    { address: '10.0.0.3', prefix: 24, interfaceName: 'a/b' },
  ];
  for (const network of cases) {
    assert.throws(
      () => renderNetworkConfig(network),
      (err: unknown) => err instanceof BootstrapError && err.reason === 'InvalidInput',
      JSON.stringify(network),
    );
  }
});

test('matched by MAC: renamed on every renderer, with search domains', async () => {
  const doc = renderNetworkConfig({
    address: '10.0.0.21',
    prefix: 24,
    gateway: '10.0.0.1',
    dnsServers: ['10.0.0.2'],
    searchDomains: ['lab.example', 'corp.example'],
    macAddress: '02:5a:11:22:33:44',
  });
  assert.deepEqual(parse(doc), {
    version: 2,
    ethernets: {
      eth0: {
        match: { macaddress: '02:5a:11:22:33:44' },
        'set-name': 'eth0',
        dhcp4: false,
        dhcp6: false,
        addresses: ['10.0.0.21/24'],
        routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }],
        nameservers: { addresses: ['10.0.0.2'], search: ['lab.example', 'corp.example'] },
      },
    },
  });
  const rendered = await validateNetworkConfig(doc);
  // ENI (Debian): a udev rule renames the NIC with that MAC to eth0.
  assert.match(rendered.eni, /ATTR\{address\}=="02:5a:11:22:33:44", NAME="eth0"/);
  assert.match(rendered.eni, /iface eth0 inet static\n\s+address 10\.0\.0\.21\/24/);
  assert.match(rendered.eni, /dns-search lab\.example corp\.example/);
  assert.match(rendered.networkd, /MACAddress=02:5a:11:22:33:44\nName=eth0/);
  assert.match(rendered.networkd, /Domains=lab\.example corp\.example/);
  assert.match(rendered.netplan, /set-name: eth0/);
});

test('DHCP by MAC, and MACs that cannot match are refused', async () => {
  const doc = renderNetworkConfig({
    mode: 'dhcp',
    macAddress: '02:5a:11:22:33:44',
    interfaceName: 'ens18',
  });
  const rendered = await validateNetworkConfig(doc);
  assert.match(rendered.eni, /iface ens18 inet dhcp/);
  assert.match(rendered.networkd, /DHCP=ipv4/);
  for (const macAddress of ['02:5A:11:22:33:44', '03:00:00:00:00:01', '02-00-00-00-00-01']) {
    assert.throws(
      () => renderNetworkConfig({ mode: 'dhcp', macAddress }),
      (err: unknown) => err instanceof BootstrapError && err.reason === 'InvalidInput',
      macAddress,
    );
  }
  assert.throws(() => renderNetworkConfig({ macAddress: '02:00:00:00:00:01' }), BootstrapError);
});
