// Finding, reading and indexing the schema file.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPveSchema, pveSchemaPath } from './load.ts';
import { PveSchema } from './schema.ts';

test('the official schema loads and indexes every endpoint (nothing timed)', () => {
  const schema = loadPveSchema();
  const endpoints = [...schema.endpoints()];
  // pve-docs 9.1.3: 435 paths, 649 methods
  assert.equal(endpoints.length, 649);
  const clone = schema.endpoint('POST', '/nodes/{node}/qemu/{vmid}/clone');
  assert.ok(clone);
  assert.equal(clone.allowtoken, true);
  assert.equal(clone.protected, true);
  assert.equal(clone.proxyto, 'node');
  assert.equal(clone.name, 'clone_vm');
  const ticket = schema.endpoint('POST', '/access/ticket');
  assert.equal(ticket?.allowtoken, false);
});

test('numbered options are expanded to the names Proxmox accepts', () => {
  const config = loadPveSchema().endpoint('PUT', '/nodes/{node}/qemu/{vmid}/config');
  assert.ok(config);
  const names = Object.keys(config.parameters);
  assert.equal(names.filter((name) => /^net\d+$/.test(name)).length, 32);
  assert.equal(names.filter((name) => /^scsi\d+$/.test(name)).length, 31);
  assert.equal(names.filter((name) => /^unused\d+$/.test(name)).length, 256);
  assert.ok(!names.some((name) => name.includes('[n]')));
  assert.equal(config.parameters['net0'], config.parameters['net31']);
});

test('the path: $SLIPWAY_PVE_SCHEMA first, and a clear error when nothing is there', () => {
  const found = pveSchemaPath({});
  assert.match(found, /shared\/fixtures\/proxmox\/pve-api-schema\.json$/);
  assert.equal(pveSchemaPath({ SLIPWAY_PVE_SCHEMA: found }), found);
  assert.throws(
    () => pveSchemaPath({ SLIPWAY_PVE_SCHEMA: '/nonexistent/pve.json' }),
    /SLIPWAY_PVE_SCHEMA=\/nonexistent\/pve\.json: no such file/,
  );
});

test('a file that is not the schema is refused with its path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pve-schema-'));
  try {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"not": "an array"');
    assert.throws(
      () => loadPveSchema(broken),
      /cannot read the Proxmox VE API schema .*broken\.json/,
    );
    const object = join(dir, 'object.json');
    await writeFile(object, '{"paths": []}');
    assert.throws(
      () => loadPveSchema(object),
      /object\.json: PVE API schema: expected a JSON array/,
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('an [n] option nobody counted stops the load, naming it', () => {
  const tree = [
    {
      path: '/nodes',
      text: 'nodes',
      leaf: 1,
      info: {
        PUT: {
          allowtoken: 1,
          method: 'PUT',
          name: 'x',
          parameters: { additionalProperties: 0, properties: { 'widget[n]': { type: 'string' } } },
          returns: { type: 'null' },
        },
      },
    },
  ];
  assert.throws(() => new PveSchema(tree), /PUT \/nodes: the schema has 'widget\[n\]'/);
});
