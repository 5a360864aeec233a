// Routing like pve-http-server + PVE::RESTHandler::find_handler, including its 501 answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPveSchema } from './load.ts';
import type { PveMatch } from './types.ts';

const schema = loadPveSchema();

function routed(match: PveMatch): { template: string; params: Record<string, string> } {
  assert.ok(match.ok, match.ok ? '' : match.message);
  return { template: match.endpoint.pathTemplate, params: match.pathParams };
}

test('path parameters are filled from the path', () => {
  assert.deepEqual(routed(schema.match('POST', '/nodes/pve1/qemu/9000/clone')), {
    template: '/nodes/{node}/qemu/{vmid}/clone',
    params: { node: 'pve1', vmid: '9000' },
  });
  const upid = 'UPID:pve1:0000A1B2:0012C3D4:6650F00D:qmclone:9000:slipway@pve!ci:';
  assert.deepEqual(routed(schema.match('GET', `/nodes/pve1/tasks/${upid}/status`)), {
    template: '/nodes/{node}/tasks/{upid}/status',
    params: { node: 'pve1', upid },
  });
});

test('a volume ID keeps its slash: storage content takes the rest of the path', () => {
  assert.deepEqual(
    routed(schema.match('DELETE', '/nodes/pve1/storage/local/content/local:iso/seed.iso')),
    {
      template: '/nodes/{node}/storage/{storage}/content/{volume}',
      params: { node: 'pve1', storage: 'local', volume: 'local:iso/seed.iso' },
    },
  );
  assert.equal(
    routed(schema.match('GET', '/nodes/pve1/storage/local/content')).template,
    '/nodes/{node}/storage/{storage}/content',
  );
});

test('empty path parts are ignored, as Proxmox splits on runs of slashes', () => {
  assert.equal(routed(schema.match('GET', '/nodes/')).template, '/nodes');
  assert.equal(routed(schema.match('GET', '//nodes//pve1/qemu')).template, '/nodes/{node}/qemu');
});

test('unknown path: 501 Method … not implemented', () => {
  assert.deepEqual(schema.match('GET', '/nodes/pve1/qemu/101/snapshots'), {
    ok: false,
    status: 501,
    message: "Method 'GET /nodes/pve1/qemu/101/snapshots' not implemented",
  });
  assert.deepEqual(schema.match('GET', '/'), {
    ok: false,
    status: 501,
    message: "Method 'GET /' not implemented",
  });
});

test('known path, method it does not have: the same 501', () => {
  assert.deepEqual(schema.match('DELETE', '/nodes/pve1/qemu/101/clone'), {
    ok: false,
    status: 501,
    message: "Method 'DELETE /nodes/pve1/qemu/101/clone' not implemented",
  });
});

test('a method pve-http-server does not know: 501 before routing', () => {
  assert.deepEqual(schema.match('PATCH', '/nodes'), {
    ok: false,
    status: 501,
    message: "method 'PATCH' not available",
  });
});

test('a path parameter with white space matches nothing', () => {
  const match = schema.match('GET', '/nodes/pve 1/status');
  assert.equal(match.ok, false);
});

test('fixed names are case-sensitive', () => {
  assert.equal(schema.match('GET', '/Nodes').ok, false);
});
