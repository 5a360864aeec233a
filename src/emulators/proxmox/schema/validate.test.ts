// Each kind of parameter mistake Proxmox refuses, with its message on the right parameter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPveSchema } from './load.ts';
import type { PveEndpoint, PveMethod, PveValidation } from './types.ts';

const schema = loadPveSchema();

function endpoint(method: PveMethod, template: string): PveEndpoint {
  const found = schema.endpoint(method, template);
  assert.ok(found, `${method} ${template}`);
  return found;
}

const clone = endpoint('POST', '/nodes/{node}/qemu/{vmid}/clone');
const CLONE = { node: 'pve1', vmid: '9000', newid: '101' };

function errorsOf(result: PveValidation): Record<string, string> {
  return result.ok ? {} : result.errors;
}

test('unknown parameter', () => {
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, linked: '1' })), {
    linked: 'property is not defined in schema and the schema does not allow additional properties',
  });
});

test('missing required parameter', () => {
  assert.deepEqual(errorsOf(schema.validate(clone, { node: 'pve1', vmid: '9000' })), {
    newid: 'property is missing and it is not optional',
  });
  // JSON null is Perl's undef: the same as leaving the parameter out.
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, newid: null })), {
    newid: 'property is missing and it is not optional',
  });
});

test('wrong type: integers, and booleans that are only 0 or 1 in a form', () => {
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, newid: 'abc', full: 'true' })), {
    newid: "type check ('integer') failed - got 'abc'",
    full: "type check ('boolean') failed - got 'true'",
  });
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, bwlimit: '1.5' })), {
    bwlimit: "type check ('integer') failed - got '1.5'",
  });
});

test('JSON bodies: numbers and booleans are fine where the type fits', () => {
  const result = schema.validate(clone, { node: 'pve1', vmid: 9000, newid: 101, full: true });
  assert.deepEqual(result, {
    ok: true,
    values: { node: 'pve1', vmid: 9000, newid: 101, full: true },
  });
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, bwlimit: true, name: ['a'] })), {
    bwlimit: "type check ('integer') failed - got JSON::PP::Boolean",
    name: "type check ('string') failed - got ARRAY",
  });
});

test('enumeration', () => {
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, format: 'vhd' })), {
    format: "value 'vhd' does not have a value in the enumeration 'raw, qcow2, vmdk'",
  });
});

test('range', () => {
  const nextid = endpoint('GET', '/cluster/nextid');
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, bwlimit: '-1' })), {
    bwlimit: 'value must have a minimum value of 0',
  });
  const log = endpoint('GET', '/nodes/{node}/tasks/{upid}/log');
  const upid = 'UPID:pve1:0000A1B2:0012C3D4:6650F00D:qmstart:101:root@pam:';
  assert.deepEqual(errorsOf(schema.validate(log, { node: 'pve1', upid, start: '-5' })), {
    start: 'value must have a minimum value of 0',
  });
  const remove = endpoint('DELETE', '/nodes/{node}/storage/{storage}/content/{volume}');
  assert.deepEqual(
    errorsOf(schema.validate(remove, { node: 'pve1', volume: 'local:iso/a.iso', delay: '31' })),
    { delay: 'value must have a maximum value of 30' },
  );
  // pve-vmid's format check comes before the range and refuses first.
  assert.deepEqual(errorsOf(schema.validate(nextid, { vmid: '99' })), {
    vmid: 'invalid format - value does not look like a valid VM ID\n',
  });
});

test('length and pattern', () => {
  const resize = endpoint('PUT', '/nodes/{node}/qemu/{vmid}/resize');
  const base = { node: 'pve1', vmid: '101', disk: 'scsi0' };
  assert.deepEqual(errorsOf(schema.validate(resize, { ...base, size: '+8G' })), {});
  assert.deepEqual(errorsOf(schema.validate(resize, { ...base, size: '8GB' })), {
    size: 'value does not match the regex pattern',
  });
  assert.deepEqual(
    errorsOf(schema.validate(resize, { ...base, size: '8G', digest: 'f'.repeat(41) })),
    {
      digest: 'value may only be 40 characters long',
    },
  );
  const upload = endpoint('POST', '/nodes/{node}/storage/{storage}/upload');
  const file = { node: 'pve1', storage: 'local', content: 'iso' };
  assert.deepEqual(
    errorsOf(schema.validate(upload, { ...file, filename: `${'a'.repeat(252)}.iso` })),
    {
      filename: 'value may only be 255 characters long',
    },
  );
});

test('formats of path parameters', () => {
  assert.deepEqual(
    errorsOf(schema.validate(clone, { node: 'pve_1', vmid: '9000', newid: '101', storage: '1x' })),
    {
      node: 'invalid format - value does not look like a valid node name\n',
      storage: "invalid format - storage ID '1x' contains illegal characters\n",
    },
  );
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, pool: 'a/b/c/d' })), {
    pool: "invalid format - pool name 'a/b/c/d' nested too deeply (max levels = 3)\n",
  });
  assert.deepEqual(errorsOf(schema.validate(clone, { ...CLONE, pool: 'team/slipway' })), {});
});

test('a parameter that requires another', () => {
  const upload = endpoint('POST', '/nodes/{node}/storage/{storage}/upload');
  const file = { node: 'pve1', storage: 'local', content: 'iso', filename: 'seed.iso' };
  assert.deepEqual(errorsOf(schema.validate(upload, { ...file, checksum: 'abc' })), {
    'checksum-algorithm': "missing property - 'checksum' requires this property",
  });
  assert.deepEqual(
    errorsOf(schema.validate(upload, { ...file, checksum: 'abc', 'checksum-algorithm': 'sha256' })),
    {},
  );
  // pve-http-server adds the temporary file when it hands the upload to pvedaemon.
  assert.deepEqual(
    errorsOf(schema.validate(upload, { ...file, tmpfilename: '/var/tmp/pveupload-0a1b2c' })),
    {},
  );
  assert.deepEqual(errorsOf(schema.validate(upload, { ...file, content: 'images' })), {
    content: "value 'images' does not have a value in the enumeration 'iso, vztmpl, import'",
  });
});

test('array parameters: a single form value becomes a one-item list', () => {
  const exec = endpoint('POST', '/nodes/{node}/qemu/{vmid}/agent/exec');
  const single = schema.validate(exec, { node: 'pve1', vmid: '101', command: 'uptime' });
  assert.deepEqual(single, { ok: true, values: { node: 'pve1', vmid: 101, command: ['uptime'] } });
  // Repeated form keys arrive NUL-joined (decodeUrlencoded) and stay one item, as in Proxmox.
  const repeated = schema.validate(exec, { node: 'pve1', vmid: '101', command: 'ls\0-l' });
  assert.ok(repeated.ok);
  assert.deepEqual(repeated.values['command'], ['ls\0-l']);
  assert.deepEqual(
    errorsOf(schema.validate(exec, { node: 'pve1', vmid: '101', command: [1, {}] })),
    {
      'command[1]': "type check ('string') failed - got HASH",
    },
  );
});

test('a JSON array for a *-list string is joined with commas', () => {
  const storage = endpoint('GET', '/nodes/{node}/storage');
  const result = schema.validate(storage, { node: 'pve1', content: ['images', 'iso'] });
  assert.deepEqual(result, { ok: true, values: { node: 'pve1', content: 'images,iso' } });
  assert.deepEqual(errorsOf(schema.validate(storage, { node: 'pve1', content: 'iso,movies' })), {
    content: "invalid format - invalid content type 'movies'\n",
  });
});

test('endpoints without parameters still refuse unknown ones', () => {
  assert.deepEqual(errorsOf(schema.validate(endpoint('GET', '/version'), { verbose: '1' })), {
    verbose:
      'property is not defined in schema and the schema does not allow additional properties',
  });
  assert.deepEqual(schema.validate(endpoint('GET', '/nodes'), {}), { ok: true, values: {} });
});

test('a pattern with a top-level alternation binds loosely, as in Perl', () => {
  const config = endpoint('PUT', '/nodes/{node}/qemu/{vmid}/config');
  const base = { node: 'pve1', vmid: '101' };
  // Proxmox tests m/^\/dev\/parport\d+|\/dev\/usb\/lp\d+$/: the first branch has no end anchor.
  assert.deepEqual(errorsOf(schema.validate(config, { ...base, parallel0: '/dev/parport0x' })), {});
  assert.deepEqual(errorsOf(schema.validate(config, { ...base, parallel0: '/dev/lp0' })), {
    parallel0: 'value does not match the regex pattern',
  });
});
