// checkReturns: the emulator's own answers against `returns`, as lenient as Perl where the
// schema says nothing, strict where it does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPveSchema } from './load.ts';
import { PveSchema } from './schema.ts';

const schema = loadPveSchema();

test('scalars are judged as Perl sees them: "100" is an integer, 1 is a boolean', () => {
  const nextid = schema.endpoint('GET', '/cluster/nextid');
  assert.ok(nextid);
  assert.deepEqual(schema.checkReturns(nextid, '100'), []);
  assert.deepEqual(schema.checkReturns(nextid, 100), []);
  assert.deepEqual(schema.checkReturns(nextid, 1.5), [
    "data: type check ('integer') failed - got '1.5'",
  ]);
  const current = schema.endpoint('GET', '/nodes/{node}/qemu/{vmid}/status/current');
  assert.ok(current);
  const running = { vmid: 101, status: 'running', ha: { managed: 0 } };
  assert.deepEqual(schema.checkReturns(current, { ...running, agent: 1, template: false }), []);
  assert.deepEqual(schema.checkReturns(current, { ...running, agent: 'yes' }), [
    "data.agent: type check ('boolean') failed - got 'yes'",
  ]);
});

test('fields the schema does not name are allowed unless it forbids them', () => {
  const current = schema.endpoint('GET', '/nodes/{node}/qemu/{vmid}/status/current');
  assert.ok(current);
  const extra = { vmid: 101, status: 'running', ha: { managed: 0 }, 'proxmox-support': {} };
  assert.deepEqual(schema.checkReturns(current, extra), []);

  const strict = new PveSchema([
    {
      path: '/things',
      text: 'things',
      leaf: 1,
      info: {
        GET: {
          allowtoken: 1,
          name: 'things',
          parameters: { additionalProperties: 0 },
          returns: {
            type: 'object',
            additionalProperties: 0,
            properties: { id: { type: 'string' } },
          },
        },
      },
    },
  ]);
  const things = strict.endpoint('GET', '/things');
  assert.ok(things);
  assert.deepEqual(strict.checkReturns(things, { id: 'a', colour: 'red' }), [
    'data.colour: property is not defined in schema and the schema does not allow additional properties',
  ]);
});

test('VM config answers: numbered keys and property strings are checked', () => {
  const config = schema.endpoint('GET', '/nodes/{node}/qemu/{vmid}/config');
  assert.ok(config);
  const answer = {
    digest: 'a4f3c2d1e0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5',
    scsi0: 'local-lvm:vm-101-disk-0,size=32G',
    unused0: 'local-lvm:vm-101-disk-1',
    net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0',
  };
  assert.deepEqual(schema.checkReturns(config, answer), []);
  assert.deepEqual(
    schema.checkReturns(config, { ...answer, scsi0: 'local-lvm:vm-101-disk-0,size=32 GB' }),
    [
      'data.scsi0: invalid format - format error\n' +
        'data.scsi0.size: invalid format - value does not look like a valid disk size: 32 GB',
    ],
  );
  assert.deepEqual(schema.checkReturns(config, { net0: 'virtio,bridge=vmbr0' }), [
    'data.digest: property is missing and it is not optional',
  ]);
});

test('null answers: fine for type null and optional results, missing otherwise', () => {
  const put = schema.endpoint('PUT', '/nodes/{node}/qemu/{vmid}/config');
  const remove = schema.endpoint('DELETE', '/nodes/{node}/storage/{storage}/content/{volume}');
  const clone = schema.endpoint('POST', '/nodes/{node}/qemu/{vmid}/clone');
  assert.ok(put && remove && clone);
  assert.deepEqual(schema.checkReturns(put, null), []);
  assert.deepEqual(schema.checkReturns(put, 'UPID:x'), [
    "data: type check ('null') failed - value is not null",
  ]);
  assert.deepEqual(schema.checkReturns(remove, null), []);
  assert.deepEqual(schema.checkReturns(clone, undefined), [
    'data: property is missing and it is not optional',
  ]);
});
