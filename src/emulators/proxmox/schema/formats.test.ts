// Named formats, one by one: what Proxmox accepts, what it refuses and how it says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckContext } from './check.ts';
import { UNCHECKED_FORMATS, checkFormat, formatRegistry } from './formats.ts';
import { perlPattern } from './perl-regex.ts';
import { splitList } from './perl-value.ts';

const registry = formatRegistry();
const context: CheckContext = {
  checkFormat: (format, value, path) => checkFormat(context, registry, format, value, path),
  pattern: perlPattern,
};
const check = (format: string, value: string): string | undefined =>
  checkFormat(context, registry, format, value, 'p');

/** format → [accepted values, [refused value, Proxmox's message]] */
const TABLE: Record<string, [string[], [string, string][]]> = {
  'pve-node': [['pve1', 'PVE-node-2'], [['pve_1', 'value does not look like a valid node name']]],
  'pve-vmid': [
    ['100', '999999999'],
    [
      ['99', 'value does not look like a valid VM ID'],
      ['0100', 'value does not look like a valid VM ID'],
    ],
  ],
  'pve-storage-id': [
    ['local-lvm', 'ceph.pool1'],
    [['local-', "storage ID 'local-' contains illegal characters"]],
  ],
  'pve-configid': [['net0', 'snap_1'], [['n', "invalid configuration ID 'n'"]]],
  'pve-bridge-id': [['vmbr0', 'vnet.100'], [['vmbr 0', "invalid bridge ID 'vmbr 0'"]]],
  'pve-poolid': [['slipway', 'a/b/c'], [['a b', "pool name 'a b' contains invalid characters"]]],
  'pve-realm': [['pve', 'ldap-corp'], [['1pve', 'value does not look like a valid realm']]],
  'mac-addr': [
    ['BC:24:11:2E:C5:4A', 'bc:24:11:2e:c5:4a'],
    [['BD:24:11:2E:C5:4A', 'value does not look like a valid unicast MAC address']],
  ],
  ipv4: [['10.0.0.1'], [['10.0.0.256', 'value does not look like a valid IPv4 address']]],
  ipv6: [
    ['fd00::1', '::ffff:10.0.0.1'],
    [['fe80::1%eth0', 'value does not look like a valid IPv6 address']],
  ],
  CIDR: [
    ['10.0.0.0/8', 'fd00::/64'],
    [['10.0.0.0/7', 'value does not look like a valid CIDR network']],
  ],
  CIDRv4: [
    ['10.0.0.10/24'],
    [['10.0.0.10/33', 'value does not look like a valid IPv4 CIDR network']],
  ],
  ipv4mask: [
    ['255.255.255.0', '0.0.0.0'],
    [['255.0.255.0', 'value does not look like a valid IP netmask']],
  ],
  'pve-ipv4-config': [
    ['dhcp', 'manual', '10.0.0.10/24'],
    [['auto', 'value does not look like a valid ipv4 network configuration']],
  ],
  'pve-ipv6-config': [
    ['auto', 'fd00::10/64'],
    [['10.0.0.1/24', 'value does not look like a valid ipv6 network configuration']],
  ],
  'dns-name': [
    ['k3s-a-cp-0', 'node.lab.example'],
    [['-a', 'value does not look like a valid DNS name']],
  ],
  'address-list': [
    ['10.0.0.1 1.1.1.1', 'fd00::1,dns.example'],
    [['10.0.0.1 a_b', 'value does not look like a valid address: a_b']],
  ],
  urlencoded: [["ssh-ed25519%20AAAA%2B!*'()~"], [['a b', 'invalid urlencoded string: a b']]],
  'disk-size': [
    ['32G', '1.5T', '512'],
    [['32GB', 'value does not look like a valid disk size: 32GB']],
  ],
  'pve-tag-list': [['slipway;demo', 'a,b c', ''], [['ok;-bad', 'invalid characters in tag']]],
  'pve-configid-list': [
    ['ide2,net1', 'scsi1;unused0'],
    [['ide2,9', "invalid configuration ID '9'"]],
  ],
  'pve-volume-id': [
    ['local:iso/seed.iso', 'local-lvm:vm-101-disk-0'],
    [['seed.iso', "unable to parse volume ID 'seed.iso'"]],
  ],
  'pve-volume-id-or-qm-path': [
    ['none', 'cdrom', '/dev/sdb', 'local-lvm:20'],
    [['disk.img', "unable to parse volume ID 'disk.img'"]],
  ],
  'pve-storage-content-list': [
    ['images,rootdir,iso,vztmpl,backup,snippets,import'],
    [['iso,movies', "invalid content type 'movies'"]],
  ],
  'pve-iface': [['vmbr0', 'eno1.20'], [['0eth', "invalid network interface name '0eth'"]]],
  'pve-vlan-id-or-range-list': [
    ['2-4094', '20 30'],
    [
      ['1', "invalid VLAN tag '1'"],
      ['30-20', "VLAN range must go from lower to higher tag '30-20'"],
    ],
  ],
  'pve-startup-order': [['order=1,up=30', '2'], [['first', 'unable to parse startup options']]],
  'pve-hotplug-features': [
    ['0', '1', 'network,disk,usb'],
    [['network,gpu', "invalid hotplug feature 'gpu'"]],
  ],
  'pve-qm-bootdisk': [['scsi0', 'efidisk0'], [['scsi31', "invalid boot disk 'scsi31'"]]],
  'pve-qm-bootdev-list': [
    ['scsi0;ide2;net0', 'hostpci15'],
    [['efidisk0', "invalid boot device 'efidisk0'"]],
  ],
  'storage-pair-list': [
    ['local-lvm', 'local:ceph,nfs:local', '1'],
    [
      [
        'local:ceph:x',
        "entry 'local:ceph:x' contains invalid ID - storage ID 'local:ceph:x' contains illegal characters\n\n",
      ],
    ],
  ],
};

for (const [format, [good, bad]] of Object.entries(TABLE)) {
  test(`format ${format}`, () => {
    for (const value of good)
      assert.equal(check(format, value), undefined, `${format}: '${value}'`);
    for (const [value, message] of bad) assert.equal(check(format, value), `${message}\n`);
  });
}

test('a -list format checks every item; a -opt format allows the empty value', () => {
  assert.equal(check('pve-node-list', 'pve1,pve2 pve3'), undefined);
  assert.equal(check('pve-node-opt', ''), undefined);
  assert.equal(check('pve-node-opt', 'bad_node'), 'value does not look like a valid node name\n');
});

test('storage pairs: each list item is a mapping of its own', () => {
  assert.equal(check('storage-pair-list', 'local:ceph;local:nfs'), undefined);
  assert.equal(
    check('storage-pair-list', 'local:ceph,1x:nfs'),
    "entry '1x:nfs' contains invalid ID - storage ID '1x' contains illegal characters\n\n\n",
  );
});

test('formats accepted without a check are listed, and anything else unknown is a problem', () => {
  for (const name of UNCHECKED_FORMATS) assert.equal(check(name, 'anything at all'), undefined);
  assert.equal(
    check('pve-sdn-zone-id', 'z1'),
    "format 'pve-sdn-zone-id' is not implemented by the emulator's schema validator " +
      '(src/emulators/proxmox/schema/formats.ts)\n',
  );
  assert.equal(
    check('pve-qm-ipconfig-list', 'ip=dhcp'),
    "'-list' format must have code ref, not hash\n",
  );
});

test('property-string formats parse with their keys', () => {
  assert.equal(
    checkFormat(context, registry, 'pve-qm-ipconfig', 'ip=dhcp,ip6=auto', 'ipconfig0'),
    undefined,
  );
  assert.equal(
    checkFormat(context, registry, 'pve-qm-ipconfig', 'ip=dhcp,mtu=1500', 'ipconfig0'),
    'invalid key in comma-separated list property: mtu\n',
  );
  assert.equal(checkFormat(context, registry, 'pve-qm-boot', 'cdn', 'boot'), undefined);
  assert.equal(
    checkFormat(context, registry, 'pve-qm-boot', 'order=scsi0,legacy=cdn', 'boot'),
    undefined,
  );
});

test('Perl patterns: qr// wrappers, {,n} and atomic groups', () => {
  assert.ok(perlPattern('(?^:^(0x)[0-9a-fA-F]{16})').test('0x0123456789abcdef'));
  assert.ok(perlPattern('(?^i:[a-z]+)').test('ABC'));
  assert.ok(perlPattern('[A-Za-z0-9\\-_\\s]{,8}').test('QEMU'));
  assert.ok(!perlPattern('[A-Za-z0-9\\-_\\s]{,8}').test('TOO-LONG-VENDOR'));
  assert.ok(perlPattern('(?^:^((?>[+-]?[\\w\\-\\._=]+,?)+)$)').test('+nesting,-keyctl'));
});

test('split_list: NUL first, else commas, semicolons and white space', () => {
  assert.deepEqual(splitList('a, b;c  d'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitList('a b\0c'), ['a b', 'c']);
  assert.deepEqual(splitList(''), []);
  assert.deepEqual(splitList('  a  '), ['a']);
});
