// Authentication and permissions against a running emulator: API tokens, tickets with
// CSRF tokens, bad credentials (401 after the delay, no body), per-token privileges.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startProxmoxEmulator, type ProxmoxEmulator } from './emulator.ts';
import { pve, pveData } from './test-support.ts';

describe('emulator authentication and permissions', () => {
  let emu: ProxmoxEmulator;
  const auditor = { tokenId: 'ops@pve!audit', secret: 'b2f0c3aa-0000-4000-8000-000000000001' };
  before(async () => {
    emu = await startProxmoxEmulator({
      tokens: [
        { tokenId: 'root@pam!slipway', secret: 'b2f0c3aa-0000-4000-8000-000000000000' },
        {
          ...auditor,
          privileges: {
            '/': ['VM.Audit', 'Datastore.Audit'],
            '/vms/9000': ['VM.Audit', 'VM.Clone'],
          },
        },
      ],
      users: [{ username: 'alice@pve', password: 'wonderland' }],
      timing: { authFailDelayMs: 150, taskMs: 5, cloneMs: 10 },
    });
  });
  after(() => emu.stop());

  test('a valid API token reads the API; nothing is recorded as a violation', async () => {
    const version = await pveData<{ version: string; release: string }>(emu, 'GET', '/version');
    assert.equal(version.release, '9.1');
    emu.assertNoViolations();
  });

  test('a wrong token secret, an unknown token and no credentials get 401 after the delay, without body', async () => {
    const cases = [
      [{ kind: 'token', tokenId: 'root@pam!slipway', secret: 'wrong' }, 'invalid token value!'],
      [
        { kind: 'token', tokenId: 'root@pam!nope', secret: 'x' },
        "no such token 'nope' for user 'root@pam'",
      ],
      [
        { kind: 'token', tokenId: 'garbage', secret: 'x' },
        "'garbage' is not a valid token ID - not able to split into user and token parts",
      ],
      [{ kind: 'none' }, 'No ticket'],
    ] as const;
    for (const [auth, reason] of cases) {
      const started = Date.now();
      const answer = await pve(emu, 'GET', '/nodes', { auth });
      assert.equal(answer.status, 401);
      assert.equal(answer.reason, reason);
      assert.equal(answer.body, undefined);
      assert.ok(Date.now() - started >= 140, 'a 401 is answered after the delay');
    }
  });

  test('ticket login: reads with the cookie, writes need the CSRF token', async () => {
    const login = await pveData<{ ticket: string; CSRFPreventionToken: string; username: string }>(
      emu,
      'POST',
      '/access/ticket',
      {
        auth: { kind: 'none' },
        params: { username: 'alice', realm: 'pve', password: 'wonderland' },
      },
    );
    assert.equal(login.username, 'alice@pve');
    assert.match(login.ticket, /^PVE:alice@pve:[0-9A-F]{8}::/);
    const read = await pve(emu, 'GET', '/cluster/nextid', {
      auth: { kind: 'ticket', ticket: login.ticket },
    });
    assert.equal(read.status, 200);
    const path = '/nodes/pve1/qemu/9000/clone';
    const noCsrf = await pve(emu, 'POST', path, {
      auth: { kind: 'ticket', ticket: login.ticket },
      params: { newid: 150 },
    });
    assert.deepEqual(
      [noCsrf.status, noCsrf.reason],
      [401, 'Permission denied - invalid csrf token'],
    );
    const withCsrf = await pve(emu, 'POST', path, {
      auth: { kind: 'ticket', ticket: login.ticket, csrf: login.CSRFPreventionToken },
      params: { newid: 150 },
    });
    assert.equal(withCsrf.status, 200);
    assert.match(
      String(withCsrf.body?.data),
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:alice@pve:$/,
    );
    const wrong = await pve(emu, 'POST', '/access/ticket', {
      auth: { kind: 'none' },
      params: { username: 'alice@pve', password: 'nope' },
    });
    assert.deepEqual(
      [wrong.status, wrong.reason, wrong.body?.message],
      [401, 'authentication failure', 'authentication failure\n'],
    );
    await emu.settle();
  });

  test('a token may only do what its privileges allow; lists show only what it may audit', async () => {
    const auth = { kind: 'token' as const, ...auditor };
    const denied = await pve(emu, 'POST', '/nodes/pve1/qemu/9001/clone', {
      auth,
      params: { newid: 160 },
    });
    assert.deepEqual(
      [denied.status, denied.reason],
      [403, 'Permission check failed (/vms/9001, VM.Clone)'],
    );
    const noAllocate = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/clone', {
      auth,
      params: { newid: 160 },
    });
    assert.deepEqual([noAllocate.status, noAllocate.reason], [403, 'Permission check failed']);
    const start = await pve(emu, 'POST', '/nodes/pve1/qemu/9000/status/start', { auth });
    assert.deepEqual(
      [start.status, start.reason],
      [403, 'Permission check failed (/vms/9000, VM.PowerMgmt)'],
    );
    const permissions = await pveData<Record<string, Record<string, number>>>(
      emu,
      'GET',
      '/access/permissions',
      { auth },
    );
    assert.deepEqual(Object.keys(permissions).sort(), ['/', '/vms/9000']);
    assert.deepEqual(permissions['/vms/9000'], { 'VM.Audit': 1, 'VM.Clone': 1 });
    const nodes = await pveData<Record<string, unknown>[]>(emu, 'GET', '/nodes', { auth });
    assert.equal(nodes[0]?.['maxmem'], undefined, 'no node usage without Sys.Audit');
    emu.assertNoViolations();
  });

  test('API tokens are refused where PVE wants a ticket', async () => {
    const answer = await pve(emu, 'PUT', '/access/password', {
      params: { userid: 'alice@pve', password: 'x1234567' },
    });
    assert.equal(answer.status, 403);
    assert.match(answer.reason, /not available with API token, need proper ticket/);
  });
});
