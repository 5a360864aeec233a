import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProxmoxClient, type ProxmoxClientOptions } from './client.ts';
import { ProxmoxApiError } from './errors.ts';
import { encodeSshKeys } from './sshkeys.ts';
import { apiPath } from './path.ts';
import {
  createTestPki,
  decodeLikePve,
  startFakeProxmox,
  uriUnescape,
  type FakeProxmox,
  type TestPki,
} from './test-support.ts';

describe('ProxmoxClient calls', () => {
  let pki: TestPki;
  let fake: FakeProxmox;
  let clients: ProxmoxClient[] = [];
  let sleeps: number[] = [];

  before(async () => {
    pki = await createTestPki();
    fake = await startFakeProxmox(pki.server);
  });
  after(() => fake.close());
  beforeEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    clients = [];
    sleeps = [];
    fake.requests.length = 0;
  });

  function connect(options: ProxmoxClientOptions & { timeoutMs?: number } = {}): ProxmoxClient {
    const { timeoutMs, ...clientOptions } = options;
    const client = new ProxmoxClient(
      {
        url: `${fake.url}/api2/json`,
        auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret: 'token-secret-value' },
        tls: { fingerprint: pki.fingerprint },
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      },
      {
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        random: () => 0.5,
        ...clientOptions,
      },
    );
    clients.push(client);
    return client;
  }

  async function failure(call: Promise<unknown>): Promise<ProxmoxApiError> {
    const err = await call.then(
      () => assert.fail('the call should fail'),
      (error: unknown) => error,
    );
    assert.ok(err instanceof ProxmoxApiError, String(err));
    return err;
  }

  it('returns the data of the envelope; GET params go in the query, POST params in a form body', async () => {
    fake.handler = () => ({ body: { data: '105' } });
    const client = connect();
    assert.equal(await client.get('/cluster/nextid', { vmid: 105 }), '105');
    const keys = 'ssh-ed25519 AAAAC3Nz+/x= alice@laptop';
    await client.post(apiPath`/nodes/${'pve1'}/qemu/${100}/config`, {
      sshkeys: encodeSshKeys(keys),
      ciuser: 'slipway',
      agent: true,
      onboot: false,
      description: undefined,
    });
    const [get, post] = fake.requests;
    assert.equal(get?.path, '/cluster/nextid');
    assert.equal(get?.query, 'vmid=105');
    assert.equal(get?.body.length, 0);
    assert.equal(post?.path, '/nodes/pve1/qemu/100/config');
    assert.equal(post?.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = decodeLikePve(post?.body.toString() ?? '');
    assert.deepEqual(Object.keys(form), ['sshkeys', 'ciuser', 'agent', 'onboot']);
    assert.equal(form.agent, '1');
    assert.equal(form.onboot, '0');
    assert.equal(uriUnescape(form.sshkeys ?? ''), keys);
  });

  it('encodes path parts that carry colons and slashes as one segment', async () => {
    fake.handler = () => ({ body: { data: null } });
    await connect().delete(apiPath`/nodes/pve1/storage/local/content/${'local:iso/seed-a.iso'}`);
    assert.equal(
      fake.requests[0]?.path,
      '/nodes/pve1/storage/local/content/local%3Aiso%2Fseed-a.iso',
    );
  });

  it('turns per-parameter errors into one readable message', async () => {
    fake.handler = () => ({
      status: 400,
      reason: 'Parameter verification failed.',
      body: { data: null, errors: { newid: 'VM 105 already exists\n' } },
    });
    const err = await failure(connect().post('/nodes/pve1/qemu/100/clone', { newid: 105 }));
    assert.equal(
      err.message,
      'POST /nodes/pve1/qemu/100/clone: 400 Parameter verification failed: newid: VM 105 already exists',
    );
    assert.equal(err.kind, 'exists');
    assert.deepEqual(err.errors, { newid: 'VM 105 already exists' });
  });

  it('reads the reason phrase when the body has no message', async () => {
    fake.handler = () => ({ status: 500, reason: 'VM is locked (clone)', body: { data: null } });
    const err = await failure(connect().put('/nodes/pve1/qemu/100/config', { memory: 4096 }));
    assert.equal(err.message, 'PUT /nodes/pve1/qemu/100/config: 500 VM is locked (clone)');
    assert.equal(err.kind, 'locked');
    assert.equal(err.lock, 'clone');
  });

  it("prefers the body's message (PVE 8.4+) and classifies guest-agent answers", async () => {
    fake.handler = () => ({
      status: 500,
      reason: 'QEMU guest agent is not running',
      body: { data: null, message: 'QEMU guest agent is not running\n' },
    });
    const err = await failure(
      connect({ retries: 0 }).get('/nodes/pve1/qemu/100/agent/network-get-interfaces'),
    );
    assert.equal(err.kind, 'guest-agent');
    assert.equal(err.agentState, 'not-running');
    assert.equal(err.detail, 'QEMU guest agent is not running');
  });

  it('fails clearly when a 2xx answer is not JSON', async () => {
    fake.handler = () => ({ body: '<html>proxy login</html>' });
    const err = await failure(connect().get('/version'));
    assert.match(err.message, /^GET \/version: 200 answer is not a Proxmox JSON envelope: <html>/);
  });

  it('retries an idempotent call on 5xx with growing delays, then succeeds', async () => {
    let calls = 0;
    fake.handler = () =>
      ++calls < 3 ? { status: 503, reason: 'Service Unavailable' } : { body: { data: 'ok' } };
    assert.equal(await connect({ backoffBaseMs: 100 }).get('/nodes'), 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(sleeps, [75, 150]);
  });

  it('gives up after the configured retries with the last error', async () => {
    fake.handler = () => ({ status: 595, reason: 'Connection refused' });
    const err = await failure(connect({ retries: 2 }).get('/nodes/pve2/status'));
    assert.equal(err.kind, 'transient');
    assert.equal(fake.requests.length, 3);
  });

  it('does not retry a POST after a 5xx or a reset connection, but does with idempotent: true', async () => {
    fake.handler = () => ({ status: 502, reason: 'Bad Gateway' });
    await failure(connect().post('/nodes/pve1/qemu/100/clone', { newid: 105 }));
    assert.equal(fake.requests.length, 1);

    fake.requests.length = 0;
    fake.handler = () => ({ destroy: true });
    const reset = await failure(connect().post('/nodes/pve1/qemu/100/status/start'));
    assert.equal(reset.kind, 'transient');
    assert.equal(reset.requestSent, true);
    assert.equal(fake.requests.length, 1);

    fake.requests.length = 0;
    let calls = 0;
    fake.handler = () => (++calls === 1 ? { destroy: true } : { body: { data: null } });
    await connect().post('/nodes/pve1/qemu/100/status/start', {}, { idempotent: true });
    assert.equal(fake.requests.length, 2);
  });

  it('retries a GET whose connection was reset', async () => {
    let calls = 0;
    fake.handler = () => (++calls === 1 ? { destroy: true } : { body: { data: [] } });
    assert.deepEqual(await connect().get('/cluster/resources', { type: 'vm' }), []);
    assert.equal(calls, 2);
  });

  it('never retries locks, conflicts or bad parameters, even for GET', async () => {
    for (const reply of [
      { status: 500, reason: 'VM is locked (clone)' },
      {
        status: 500,
        reason: "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
      },
      {
        status: 400,
        reason: 'Parameter verification failed.',
        body: { data: null, errors: { vmid: 'bad' } },
      },
      { status: 403, reason: 'Permission check failed (/vms/100, VM.Audit)' },
    ]) {
      fake.requests.length = 0;
      fake.handler = () => reply;
      await failure(connect().get('/nodes/pve1/qemu/100/config'));
      assert.equal(fake.requests.length, 1, reply.reason);
    }
    assert.deepEqual(sleeps, []);
  });

  it('retries any call whose connection was refused (nothing was sent)', async () => {
    const closed = await startFakeProxmox(pki.server);
    const url = closed.url;
    await closed.close();
    const client = new ProxmoxClient(
      {
        url,
        auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret: 'token-secret-value' },
        tls: { fingerprint: pki.fingerprint },
      },
      { sleep: () => Promise.resolve(void sleeps.push(1)), retries: 2 },
    );
    clients.push(client);
    const err = await failure(client.post('/nodes/pve1/qemu/100/clone', { newid: 105 }));
    assert.equal(err.kind, 'transient');
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(err.requestSent, false);
    assert.equal(sleeps.length, 2);
  });

  it('times out a request that gets no answer, as kind timeout', async () => {
    fake.handler = () => ({ delayMs: 1_000, body: { data: null } });
    const err = await failure(connect({ timeoutMs: 100, retries: 0 }).get('/nodes'));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.message, 'GET /nodes: no answer within 100 ms');
  });

  it('stops at once when the signal aborts, with the signal’s reason, and does not retry', async () => {
    fake.handler = () => ({ delayMs: 2_000, body: { data: null } });
    const controller = new AbortController();
    const call = connect().get('/nodes', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('reconcile cancelled')), 50);
    await assert.rejects(call, { message: 'reconcile cancelled' });
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(sleeps, []);
  });

  it('an abort during backoff ends the retries', async () => {
    fake.handler = () => ({ status: 503, reason: 'Service Unavailable' });
    const controller = new AbortController();
    const client = connect({
      sleep: (_ms, signal) => {
        controller.abort();
        return Promise.reject(signal?.reason as Error);
      },
    });
    await assert.rejects(client.get('/nodes', {}, { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(fake.requests.length, 1);
  });

  it('refuses paths that are not plain API paths, and calls after close', async () => {
    const client = connect();
    await assert.rejects(client.get('nodes'), /must start with '\/'/);
    await assert.rejects(client.get('/nodes?type=vm'), /no query/);
    await assert.rejects(client.get('/api2/json/nodes'), /relative to \/api2\/json/);
    await client.close();
    await assert.rejects(client.get('/nodes'), /is closed/);
  });
});
