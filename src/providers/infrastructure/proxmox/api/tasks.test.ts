import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProxmoxClient } from './client.ts';
import { isRetryable, ProxmoxApiError, ProxmoxTaskError } from './errors.ts';
import {
  createTestPki,
  startFakeProxmox,
  type FakeProxmox,
  type FakeReply,
} from './test-support.ts';

const upid = 'UPID:pve2:00001234:0000ABCD:65F0A1B2:qmclone:9000:slipway@pve!k8s:';
const encodedUpid = encodeURIComponent(upid);
const statusPath = `/nodes/pve2/tasks/${encodedUpid}/status`;
const logPath = `/nodes/pve2/tasks/${encodedUpid}/log`;

describe('ProxmoxClient.waitForTask', () => {
  let fake: FakeProxmox;
  let fingerprint: string;
  let clock = 0;
  let sleeps: number[] = [];
  let clients: ProxmoxClient[] = [];

  before(async () => {
    const pki = await createTestPki();
    fingerprint = pki.fingerprint;
    fake = await startFakeProxmox(pki.server);
  });
  after(() => fake.close());
  beforeEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    clients = [];
    clock = 1_000_000;
    sleeps = [];
    fake.requests.length = 0;
  });

  function connect(): ProxmoxClient {
    const client = new ProxmoxClient(
      {
        url: fake.url,
        auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret: 'token-secret-value' },
        tls: { fingerprint },
      },
      {
        now: () => clock,
        sleep: (ms, signal) => {
          if (signal?.aborted) return Promise.reject(signal.reason as Error);
          sleeps.push(ms);
          clock += ms;
          return Promise.resolve();
        },
      },
    );
    clients.push(client);
    return client;
  }

  /** A task that runs for `polls` status requests, then stops with `exitstatus`. */
  function task(polls: number, exitstatus: string, log: string[]): void {
    let seen = 0;
    fake.handler = (request): FakeReply => {
      if (request.path === statusPath) {
        seen++;
        const base = { upid, node: 'pve2', type: 'qmclone', id: '9000', user: 'slipway@pve!k8s' };
        return {
          body: {
            data:
              seen > polls
                ? { ...base, status: 'stopped', exitstatus }
                : { ...base, status: 'running' },
          },
        };
      }
      if (request.path === logPath) {
        const query = new URLSearchParams(request.query);
        const start = Number(query.get('start') ?? 0);
        const limit = Number(query.get('limit') ?? 50);
        const lines = log.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
        return { body: { data: lines, total: log.length } };
      }
      return { status: 501, reason: `no such uri ${request.path}` };
    };
  }

  it('polls the node named in the UPID until the task stops OK', async () => {
    task(3, 'OK', ['TASK OK']);
    const result = await connect().waitForTask(upid, { pollMs: 250 });
    assert.deepEqual(result, {
      upid,
      node: 'pve2',
      type: 'qmclone',
      id: '9000',
      exitStatus: 'OK',
      warnings: 0,
    });
    assert.deepEqual(sleeps, [250, 250, 250]);
    assert.ok(fake.requests.every((request) => request.path === statusPath));
    assert.equal(fake.requests.length, 4);
  });

  it('counts WARNINGS: n as success', async () => {
    task(0, 'WARNINGS: 2', ['WARN: a', 'WARN: b', 'TASK WARNINGS: 2']);
    const result = await connect().waitForTask(upid);
    assert.equal(result.exitStatus, 'WARNINGS: 2');
    assert.equal(result.warnings, 2);
  });

  it('fails with the classified exit status and the last ten lines of a long log', async () => {
    const log = Array.from({ length: 120 }, (_, i) => `transferred ${i} of 120`);
    log.push('TASK ERROR: unable to create VM 105: config file already exists');
    task(1, 'unable to create VM 105: config file already exists', log);
    const err = await connect()
      .waitForTask(upid, { pollMs: 1000 })
      .then(
        () => assert.fail('the task failed'),
        (error: unknown) => error,
      );
    assert.ok(err instanceof ProxmoxTaskError);
    assert.equal(err.kind, 'exists');
    assert.equal(err.exitStatus, 'unable to create VM 105: config file already exists');
    assert.deepEqual(err.logTail, log.slice(-10));
    assert.match(
      err.message,
      /^task qmclone on pve2 failed: unable to create VM 105: config file already exists \(UPID:/,
    );
    assert.ok(
      err.message.endsWith('\n  TASK ERROR: unable to create VM 105: config file already exists'),
    );
    const logQueries = fake.requests.filter((r) => r.path === logPath).map((r) => r.query);
    assert.deepEqual(logQueries, ['start=0&limit=50', 'start=111&limit=10']);
  });

  it('reads a short log in one request', async () => {
    task(0, "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout", [
      'trying to acquire lock...',
      "TASK ERROR: can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout",
    ]);
    const err = await connect()
      .waitForTask(upid)
      .catch((error: unknown) => error);
    assert.ok(err instanceof ProxmoxTaskError);
    assert.equal(err.kind, 'locked');
    assert.equal(isRetryable(err), true);
    assert.equal(err.logTail.length, 2);
    assert.equal(fake.requests.filter((r) => r.path === logPath).length, 1);
  });

  it('still reports the failure when the log cannot be read', async () => {
    task(0, 'storage migration failed', []);
    const statusOnly = fake.handler;
    fake.handler = (request) =>
      request.path === logPath
        ? { status: 403, reason: 'Permission check failed (/nodes/pve2, Sys.Audit)' }
        : statusOnly(request);
    const err = await connect()
      .waitForTask(upid)
      .catch((error: unknown) => error);
    assert.ok(err instanceof ProxmoxTaskError);
    assert.equal(err.kind, 'other');
    assert.match(
      err.logTail[0] ?? '',
      /^\(task log unavailable: GET .*\/log: 403 Permission check failed/,
    );
  });

  it('gives up after timeoutMs with a timeout error naming the task', async () => {
    task(1_000, 'OK', []);
    const err = await connect()
      .waitForTask(upid, { pollMs: 1000, timeoutMs: 3500 })
      .catch((error: unknown) => error);
    assert.ok(err instanceof ProxmoxApiError);
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /task qmclone on pve2 still running after 3500 ms/);
    assert.deepEqual(sleeps, [1000, 1000, 1000, 500]);
  });

  it('stops when the signal aborts', async () => {
    task(1_000, 'OK', []);
    const controller = new AbortController();
    controller.abort(new Error('machine deleted'));
    await assert.rejects(connect().waitForTask(upid, { signal: controller.signal }), {
      message: 'machine deleted',
    });
  });

  it('rejects a malformed UPID before any request', async () => {
    await assert.rejects(connect().waitForTask('UPID:broken'), /not a Proxmox task ID/);
    assert.equal(fake.requests.length, 0);
  });
});
