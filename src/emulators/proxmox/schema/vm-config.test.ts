// VM configuration writes (POST async / PUT sync …/qemu/{vmid}/config): the values Slipway
// sets on a clone, and the mistakes Proxmox refuses in them, with Proxmox's messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPveSchema } from './load.ts';
import { combineRequestParams, decodeUrlencoded } from './request.ts';
import type { PveEndpoint, PveValidation } from './types.ts';

const schema = loadPveSchema();

function endpoint(method: 'POST' | 'PUT'): PveEndpoint {
  const found = schema.endpoint(method, '/nodes/{node}/qemu/{vmid}/config');
  assert.ok(found);
  return found;
}

const SSH_KEYS = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH+k/Zr2 slipway@ci\n';

/** What Slipway sends after a clone: a form body, sshkeys URL-encoded once more. */
const SLIPWAY_CONFIG: Record<string, string> = {
  cores: '2',
  memory: '4096',
  balloon: '0',
  net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,tag=20,mtu=1500',
  ide2: 'local:iso/seed-101.iso,media=cdrom',
  scsi1: 'local-lvm:20',
  tags: 'slipway;demo',
  agent: 'enabled=1',
  sshkeys: encodeURIComponent(SSH_KEYS),
  ipconfig0: 'ip=10.0.0.10/24,gw=10.0.0.1',
  name: 'k3s-a-cp-0',
  description: 'Managed by Slipway',
  boot: 'order=scsi0;ide2;net0',
  nameserver: '10.0.0.1 1.1.1.1',
  searchdomain: 'lab.example',
  ciuser: 'slipway',
  onboot: '1',
  delete: 'ide0,net1',
};

/** Sends `fields` as a form body through the whole request path. */
function send(method: 'POST' | 'PUT', fields: Record<string, string>): PveValidation {
  const matched = schema.match(method, '/nodes/pve1/qemu/101/config');
  assert.ok(matched.ok);
  const body = decodeUrlencoded(new URLSearchParams(fields).toString());
  const combined = combineRequestParams({ pathParams: matched.pathParams, body });
  assert.ok(combined.ok);
  return schema.validate(matched.endpoint, combined.params);
}

function errorsOf(result: PveValidation): Record<string, string> {
  return result.ok ? {} : result.errors;
}

for (const method of ['POST', 'PUT'] as const) {
  test(`${method} config: what Slipway sets on a clone validates`, () => {
    const result = send(method, SLIPWAY_CONFIG);
    assert.deepEqual(errorsOf(result), {});
    assert.ok(result.ok);
    assert.equal(result.values['cores'], 2);
    assert.equal(result.values['onboot'], true);
    assert.equal(result.values['sshkeys'], encodeURIComponent(SSH_KEYS));
    assert.equal(result.values['net0'], SLIPWAY_CONFIG['net0']);
  });
}

test('config: a realistic config also validates as JSON with numbers and booleans', () => {
  const result = schema.validate(endpoint('PUT'), {
    node: 'pve1',
    vmid: 101,
    cores: 4,
    onboot: true,
    net1: 'e1000,bridge=vmbr1,firewall=yes,link_down=0',
    virtio0: 'ceph:vm-101-disk-1,iothread=on,discard=on,size=10G',
  });
  assert.deepEqual(errorsOf(result), {});
});

test('config: numbered options exist up to Proxmox limits and no further', () => {
  assert.deepEqual(
    errorsOf(send('PUT', { net31: 'virtio,bridge=vmbr0', scsi30: 'local-lvm:1' })),
    {},
  );
  assert.deepEqual(errorsOf(send('PUT', { net32: 'virtio,bridge=vmbr0', ide4: 'none' })), {
    net32: 'property is not defined in schema and the schema does not allow additional properties',
    ide4: 'property is not defined in schema and the schema does not allow additional properties',
  });
});

test('config: scalar options get type and range checks', () => {
  assert.deepEqual(errorsOf(send('PUT', { cores: '0', balloon: '-1', cpulimit: '129' })), {
    cores: 'value must have a minimum value of 1',
    balloon: 'value must have a minimum value of 0',
    cpulimit: 'value must have a maximum value of 128',
  });
  assert.deepEqual(errorsOf(send('PUT', { cores: 'two', onboot: 'yes', ostype: 'linux' })), {
    cores: "type check ('integer') failed - got 'two'",
    onboot: "type check ('boolean') failed - got 'yes'",
    ostype:
      "value 'linux' does not have a value in the enumeration " +
      "'other, wxp, w2k, w2k3, w2k8, wvista, win7, win8, win10, win11, l24, l26, solaris'",
  });
  assert.deepEqual(errorsOf(send('PUT', { description: 'x'.repeat(8193), name: 'k3s_a' })), {
    description: 'value may only be 8192 characters long',
    name: 'invalid format - value does not look like a valid DNS name\n',
  });
});

test('config: net0 is checked key by key', () => {
  const net = (value: string): string | undefined => errorsOf(send('PUT', { net0: value }))['net0'];
  assert.equal(net('virtio,bridge=vmbr0'), undefined);
  assert.equal(net('model=virtio,macaddr=BC:24:11:2E:C5:4A,bridge=vmbr0'), undefined);
  assert.equal(
    net('virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,speed=10'),
    'invalid format - invalid key in comma-separated list property: speed\n',
  );
  assert.equal(
    net('virtio=01:24:11:2E:C5:4A,bridge=vmbr0'),
    'invalid format - format error\n' +
      'net0.macaddr: invalid format - value does not look like a valid unicast MAC address\n\n',
  );
  assert.equal(
    net('bridge=vmbr0'),
    'invalid format - format error\nnet0.model: property is missing and it is not optional\n',
  );
  assert.equal(
    net('virtio,bridge=vmbr0,tag=4095'),
    'invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n',
  );
  assert.equal(
    net('virtio,bridge=vmbr 0'),
    "invalid format - format error\nnet0.bridge: invalid format - invalid bridge ID 'vmbr 0'\n\n",
  );
  assert.equal(
    net('virtio=BC:24:11:2E:C5:4A,e1000=BC:24:11:2E:C5:4B'),
    "invalid format - key alias 'model' is already defined\n",
  );
  assert.equal(
    net('virtio,e1000'),
    'invalid format - duplicate key in comma-separated list property: model\n',
  );
  assert.equal(
    net('virtio,bridge='),
    'invalid format - missing key in comma-separated list property\n',
  );
});

test('config: disks, cdroms and boot order', () => {
  assert.deepEqual(
    errorsOf(
      send('PUT', {
        scsi0: 'local-lvm:vm-101-disk-0,size=32G,discard=on,ssd=1',
        ide2: 'none,media=cdrom',
        cdrom: 'local:iso/seed-101.iso',
        efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=0',
        boot: 'order=scsi0;ide2;net0',
        bootdisk: 'scsi0',
      }),
    ),
    {},
  );
  assert.deepEqual(
    errorsOf(
      send('PUT', {
        scsi1: 'local lvm:20',
        ide2: 'local:iso/seed.iso,media=floppy',
        boot: 'order=scsi0;floppy0',
        cdrom: 'seed.iso',
      }),
    ),
    {
      scsi1:
        'invalid format - format error\n' +
        "scsi1.file: invalid format - unable to parse volume ID 'local lvm:20'\n\n",
      ide2:
        'invalid format - format error\n' +
        "ide2.media: value 'floppy' does not have a value in the enumeration 'cdrom, disk'\n",
      boot:
        'invalid format - format error\n' +
        "boot.order: invalid format - invalid boot device 'floppy0'\n\n",
      cdrom:
        'invalid format - format error\n' +
        "cdrom.file: invalid format - unable to parse volume ID 'seed.iso'\n\n",
    },
  );
});

test('config: cloud-init options', () => {
  const ok = send('PUT', {
    ipconfig0: 'ip=dhcp',
    ipconfig1: 'ip6=auto',
    ipconfig2: 'ip=10.0.0.11/24,gw=10.0.0.1,ip6=fd00::11/64,gw6=fd00::1',
    cicustom: 'user=local:snippets/user-101.yaml,network=local:snippets/net-101.yaml',
  });
  assert.deepEqual(errorsOf(ok), {});
  assert.deepEqual(
    errorsOf(
      send('PUT', {
        ipconfig0: 'gw=10.0.0.1',
        ipconfig1: 'ip=10.0.0.11',
        ipconfig2: '10.0.0.12/24',
        nameserver: '10.0.0.1 dns_server',
      }),
    ),
    {
      ipconfig0:
        'invalid format - format error\n' +
        "ipconfig0.ip: missing property - 'ipconfig0.gw' requires this property\n",
      ipconfig1:
        'invalid format - format error\n' +
        'ipconfig1.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n',
      ipconfig2: 'invalid format - value without key, but schema does not define a default key\n',
      nameserver: 'invalid format - value does not look like a valid address: dns_server\n',
    },
  );
});

test('config: sshkeys must be URL-encoded inside the form value', () => {
  // Encoded only once (by the form), the keys arrive with spaces and newlines.
  const once = new URLSearchParams({ sshkeys: SSH_KEYS }).toString();
  const result = schema.validate(endpoint('PUT'), {
    node: 'pve1',
    vmid: '101',
    ...decodeUrlencoded(once),
  });
  assert.deepEqual(errorsOf(result), {
    sshkeys: `invalid format - invalid urlencoded string: ${SSH_KEYS}\n`,
  });
  // `+` from form-style encoding is not in the urlencoded alphabet either.
  const plus = errorsOf(send('PUT', { sshkeys: 'ssh-ed25519+AAAA' }))['sshkeys'];
  assert.equal(plus, 'invalid format - invalid urlencoded string: ssh-ed25519+AAAA\n');
});

test('config: tags, agent, delete and force', () => {
  assert.deepEqual(
    errorsOf(send('PUT', { tags: 'slipway;k3s/a', agent: 'enabled=maybe', delete: 'net0,1x' })),
    {
      tags: 'invalid format - invalid characters in tag\n',
      agent:
        "invalid format - format error\nagent.enabled: type check ('boolean') failed - got 'maybe'\n",
      delete: "invalid format - invalid configuration ID '1x'\n",
    },
  );
  assert.deepEqual(errorsOf(send('PUT', { agent: '1,fstrim_cloned_disks=true' })), {});
  assert.deepEqual(errorsOf(send('PUT', { force: '1' })), {
    delete: "missing property - 'force' requires this property",
  });
});

test('config: the parsed net0 gives the emulator the MAC address', () => {
  const parsed = schema.parsePropertyParam(endpoint('PUT'), 'net0', SLIPWAY_CONFIG['net0'] ?? '');
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      model: 'virtio',
      macaddr: 'BC:24:11:2E:C5:4A',
      bridge: 'vmbr0',
      tag: '20',
      mtu: '1500',
    },
  });
  const ipconfig = schema.parsePropertyParam(endpoint('PUT'), 'ipconfig0', 'ip=10.0.0.10/24');
  assert.deepEqual(ipconfig, { ok: true, value: { ip: '10.0.0.10/24' } });
  assert.deepEqual(schema.parsePropertyParam(endpoint('PUT'), 'cores', '2'), {
    ok: false,
    message: "parameter 'cores' is not a property string\n",
  });
});
