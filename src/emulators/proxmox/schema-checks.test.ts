// Requests the official schema rejects are answered as PVE answers them and recorded as
// violations; so are methods the emulator does not implement.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { pve } from './test-support.ts';

describe('emulator schema checks', () => {
  let emu: ProxmoxEmulator;
  before(async () => {
    emu = await startProxmoxEmulator({ timing: { taskMs: 5 } });
  });
  after(() => emu.stop());

  test('an unknown path is 501 and a violation', async () => {
    const answer = await pve(emu, 'GET', '/nodes/pve1/qemu/100/frobnicate');
    assert.equal(answer.status, 501);
    assert.match(answer.body?.message ?? '', /not implemented/);
    assert.deepEqual(emu.violations.at(-1)?.path, '/nodes/pve1/qemu/100/frobnicate');
  });

  test('an unknown or missing parameter is 400 "Parameter verification failed." with errors', async () => {
    const unknown = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
      params: { newid: 101, colour: 'red' },
    });
    assert.deepEqual([unknown.status, unknown.reason], [400, 'Parameter verification failed.']);
    assert.equal(unknown.body?.message, 'Parameter verification failed.\n');
    assert.deepEqual(Object.keys(unknown.body?.errors ?? {}), ['colour']);
    const missing = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/clone', { params: {} });
    assert.equal(missing.status, 400);
    assert.match(
      missing.body?.errors?.['newid'] ?? '',
      /property is missing and it is not optional/,
    );
  });

  test('wrong type, enum and range are rejected', async () => {
    const badEnum = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
      params: { newid: 101, format: 'vhd' },
    });
    assert.equal(badEnum.status, 400);
    assert.ok(badEnum.body?.errors?.['format'], 'format is named');
    const range = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 42 } });
    assert.equal(range.status, 400);
    assert.ok(range.body?.errors?.['newid']);
    const type = await pve(emu, 'GET', '/cluster/nextid', { params: { vmid: 'abc' } });
    assert.equal(type.status, 400);
    assert.ok(type.body?.errors?.['vmid']);
  });

  test('a parameter also in the path is refused as PVE does', async () => {
    const answer = await pve(emu, 'GET', '/nodes/pve1/qemu', { params: { node: 'pve2' } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body?.errors?.['node'], 'duplicate parameter (already defined in URI)');
  });

  test('a method the schema has but the emulator lacks is 501 and a violation naming it', async () => {
    const answer = await pve(emu, 'GET', '/nodes/pve1/qemu/9000/rrddata', {
      params: { timeframe: 'hour' },
    });
    assert.equal(answer.status, 501);
    assert.match(emu.violations.at(-1)?.problem ?? '', /not implemented by the emulator/);
  });

  test('assertNoViolations lists what went wrong; every request is in the request log', () => {
    assert.throws(
      () => emu.assertNoViolations(),
      /schema violation\(s\):\n {2}GET \/nodes\/pve1\/qemu\/100\/frobnicate/,
    );
    assert.ok(emu.requests.some((r) => r.path === '/nodes/pve1/qemu' && r.status === 400));
  });
});
