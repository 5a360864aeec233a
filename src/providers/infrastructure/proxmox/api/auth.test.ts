import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProxmoxClient } from './client.ts';
import type { ProxmoxConnection } from './connection.ts';
import { ProxmoxApiError } from './errors.ts';
import {
  createTestPki,
  decodeLikePve,
  startFakeProxmox,
  type FakeProxmox,
  type RecordedRequest,
  type TestPki,
} from './test-support.ts';

const secret = '1f3c7e0a-5b9d-4c2e-8f6a-0d1e2f3a4b5c';
const password = 'correct horse battery';

describe('ProxmoxClient authentication', () => {
  let pki: TestPki;
  let fake: FakeProxmox;
  let clients: ProxmoxClient[] = [];

  before(async () => {
    pki = await createTestPki();
    fake = await startFakeProxmox(pki.server);
  });
  after(() => fake.close());
  beforeEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    clients = [];
    fake.requests.length = 0;
  });

  function connect(auth: ProxmoxConnection['auth'], now?: () => number): ProxmoxClient {
    const client = new ProxmoxClient(
      { url: fake.url, auth, tls: { caPem: pki.ca.cert } },
      { sleep: () => Promise.resolve(), ...(now ? { now } : {}) },
    );
    clients.push(client);
    return client;
  }

  /** A Proxmox that issues tickets ticket-1, ticket-2, … and accepts only `valid` ones. */
  function ticketServer(valid: Set<string>) {
    let issued = 0;
    fake.handler = (request: RecordedRequest) => {
      if (request.path === '/access/ticket') {
        const form = decodeLikePve(request.body.toString());
        if (form.username !== 'root@pam' || form.password !== password) {
          return { status: 401, reason: 'authentication failure' };
        }
        issued++;
        const ticket = `PVE:root@pam:6600000${issued}::sig+/=${issued}`;
        valid.add(ticket);
        return {
          body: { data: { ticket, CSRFPreventionToken: `csrf-${issued}`, username: 'root@pam' } },
        };
      }
      const cookie = decodeURIComponent(
        /PVEAuthCookie=([^;]*)/.exec(request.headers.cookie ?? '')?.[1] ?? '',
      );
      if (!valid.has(cookie)) return { status: 401, reason: 'invalid PVE ticket' };
      if (request.method !== 'GET' && !request.headers.csrfpreventiontoken) {
        return { status: 401, reason: 'Permission denied - invalid csrf token' };
      }
      return { body: { data: { path: request.path } } };
    };
    return () => issued;
  }

  it('sends the token header in the exact Proxmox form, with no cookie or CSRF token', async () => {
    fake.handler = () => ({ body: { data: [{ node: 'pve1' }] } });
    const client = connect({ type: 'token', tokenId: 'slipway@pve!k8s', secret });
    assert.deepEqual(await client.get('/nodes'), [{ node: 'pve1' }]);
    await client.post('/nodes/pve1/qemu/100/status/start');
    for (const request of fake.requests) {
      assert.equal(request.headers.authorization, `PVEAPIToken=slipway@pve!k8s=${secret}`);
      assert.equal(request.headers.cookie, undefined);
      assert.equal(request.headers.csrfpreventiontoken, undefined);
    }
  });

  it('logs in once for many calls, sends the cookie, and the CSRF token only on writes', async () => {
    const issued = ticketServer(new Set());
    const client = connect({ type: 'password', username: 'root@pam', password });
    await Promise.all([
      client.get('/nodes'),
      client.get('/version'),
      client.put('/nodes/pve1/config'),
    ]);
    assert.equal(issued(), 1);
    const [login, ...calls] = fake.requests;
    assert.equal(login?.method, 'POST');
    assert.equal(login?.path, '/access/ticket');
    assert.equal(login?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(login?.headers.cookie, undefined);
    for (const call of calls) {
      assert.match(
        call.headers.cookie ?? '',
        /^PVEAuthCookie=PVE%3Aroot%40pam%3A66000001%3A%3Asig%2B%2F%3D1$/,
      );
      assert.equal(call.headers.csrfpreventiontoken, call.method === 'GET' ? undefined : 'csrf-1');
      assert.equal(call.headers.authorization, undefined);
    }
  });

  it('renews a ticket older than 90 minutes before using it', async () => {
    const issued = ticketServer(new Set());
    let clock = 1_000_000;
    const client = connect({ type: 'password', username: 'root@pam', password }, () => clock);
    await client.get('/nodes');
    clock += 89 * 60 * 1000;
    await client.get('/nodes');
    assert.equal(issued(), 1);
    clock += 2 * 60 * 1000;
    await client.get('/nodes');
    assert.equal(issued(), 2);
  });

  it('logs in again once after a 401, then gives up with an authentication error', async () => {
    const valid = new Set<string>();
    const issued = ticketServer(valid);
    const client = connect({ type: 'password', username: 'root@pam', password });
    await client.get('/nodes');
    valid.clear(); // e.g. the cluster's auth key rotated
    assert.deepEqual(await client.post('/nodes/pve1/qemu/100/status/start'), {
      path: '/nodes/pve1/qemu/100/status/start',
    });
    assert.equal(issued(), 2);
    // A server that rejects every ticket: one renewal, then the 401 stands.
    fake.handler = (request) =>
      request.path === '/access/ticket'
        ? { body: { data: { ticket: 'PVE:x', CSRFPreventionToken: 'c' } } }
        : { status: 401, reason: 'invalid PVE ticket' };
    fake.requests.length = 0;
    await assert.rejects(client.get('/nodes'), (err: unknown) => {
      assert.ok(err instanceof ProxmoxApiError);
      assert.equal(err.kind, 'authentication');
      assert.equal(err.message, 'GET /nodes: 401 invalid PVE ticket');
      return true;
    });
    assert.deepEqual(
      fake.requests.map((request) => request.path),
      ['/nodes', '/access/ticket', '/nodes'],
    );
  });

  it('a wrong password is an authentication error that does not contain it', async () => {
    ticketServer(new Set());
    const client = connect({ type: 'password', username: 'root@pam', password: 'wrong password' });
    await assert.rejects(client.get('/nodes'), (err: unknown) => {
      assert.ok(err instanceof ProxmoxApiError);
      assert.equal(err.kind, 'authentication');
      assert.equal(err.message, 'POST /access/ticket: 401 authentication failure');
      return true;
    });
  });

  it('refuses a user with two-factor authentication, pointing to tokens', async () => {
    fake.handler = () => ({
      body: { data: { ticket: 'PVE:!tfa!', CSRFPreventionToken: 'c', NeedTFA: 1 } },
    });
    const client = connect({ type: 'password', username: 'root@pam', password });
    await assert.rejects(client.get('/nodes'), /two-factor authentication; use an API token/);
  });

  it('keeps secrets out of error messages even when Proxmox echoes them', async () => {
    fake.handler = (request) => ({
      status: 500,
      reason: 'Internal Server Error',
      body: { data: null, message: `bad header ${request.headers.authorization ?? ''}` },
    });
    const client = connect({ type: 'token', tokenId: 'slipway@pve!k8s', secret });
    await assert.rejects(client.post('/nodes'), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(!err.message.includes(secret), err.message);
      assert.match(err.message, /PVEAPIToken=slipway@pve!k8s=\*\*\*/);
      return true;
    });
  });
});
