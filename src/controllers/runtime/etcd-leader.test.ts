// EtcdLeaderElector against a real etcd (Debian's etcd-server) on loopback: one member
// per test that needs one, on free ports, stopped afterwards. Times come from the
// monotonic clock and are printed as diagnostics (failover figures for issue 6).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { Etcd3, type IOptions } from 'etcd3';
import { EtcdTestCluster } from '../../store/etcd/test-cluster.ts';
import { machine } from '../../store/conformance/fixtures.ts';
import { EtcdLeaderElector, type EtcdLeaderElectorOptions } from './etcd-leader.ts';
import { Manager } from './manager.ts';
import { newManager, recordingReconciler } from './manager-test-support.ts';
import type { TempStore } from './test-support.ts';

interface EtcdMember {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
const stores: TempStore[] = [];
cleanups.push(() => Promise.all(stores.map((s) => s.cleanup())).then(() => {}));
/** Ends acquires still waiting when the tests are done. */
const testsDone = new AbortController();
after(async () => {
  testsDone.abort();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

/** One etcd member on 127.0.0.1, healthy; stopped by the `after` hook at the latest. */
async function startEtcd(): Promise<EtcdMember> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-leader-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const child = spawn(
    '/usr/bin/etcd',
    [
      '--name=leader-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=leader-test=${peerUrl}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr
    .setEncoding('utf8')
    .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (((await res.json()) as { health?: string }).health === 'true') break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`etcd not healthy in 30 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint, process: child, stop };
}

/**
 * A TCP relay to etcd on 127.0.0.1 that can be cut like a network partition: after
 * cut() bytes stop flowing both ways and connections hang open, so nothing errors.
 */
async function startPartitionableRelay(target: string): Promise<{ endpoint: string; cut(): void }> {
  const { port } = new URL(target);
  const sockets = new Set<Socket>();
  let isCut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((down) => {
    track(down);
    if (isCut) return; // accepted, never answered
    const up = connect(Number(port), '127.0.0.1');
    track(up);
    down.pipe(up);
    up.pipe(down);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no relay port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    cut: () => {
      isCut = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
  };
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;
/**
 * etcd3 retries a broken watch stream after up to 30 s by default, on a timer that keeps
 * the test process alive that long after a member stopped; tests retry every 100 ms.
 */
const quickWatchRetry: WatchBackoff = { duration: 100, next: () => quickWatchRetry };

function newClient(...members: { endpoint: string }[]): Etcd3 {
  const hosts = members.map((m) => m.endpoint);
  const client = new Etcd3({ hosts, faultHandling: { watchBackoff: quickWatchRetry } });
  cleanups.push(() => Promise.resolve(client.close()));
  return client;
}

function elector(client: Etcd3, opts: Partial<EtcdLeaderElectorOptions> = {}): EtcdLeaderElector {
  const e = new EtcdLeaderElector({ client, ttlSeconds: 3, retryIntervalMs: 200, ...opts });
  cleanups.push(() => e.release());
  return e;
}

/** acquire, given up when the tests end (a waiting acquire keeps trying forever). */
function acquire(e: EtcdLeaderElector, signal?: AbortSignal): Promise<void> {
  return e.acquire(signal ? AbortSignal.any([signal, testsDone.signal]) : testsDone.signal);
}

/** Resolves with the monotonic time at which `p` settled. */
async function settledAt(p: Promise<unknown>): Promise<number> {
  await p;
  return performance.now();
}

const slow = { timeout: 60_000 };

test('bad options are refused naming the field', () => {
  const client = new Etcd3({ hosts: 'http://127.0.0.1:1' });
  try {
    assert.throws(() => new EtcdLeaderElector({ client, ttlSeconds: 0 }), /ttlSeconds/);
    assert.throws(() => new EtcdLeaderElector({ client, ttlSeconds: 1.5 }), /ttlSeconds/);
    assert.throws(
      () => new EtcdLeaderElector({ client, ttlSeconds: 2, safetyMarginMs: 2000 }),
      /safetyMarginMs/,
    );
  } finally {
    client.close();
  }
});

test('one of two electors leads; on release the other takes over at once', slow, async (t) => {
  const etcd = await startEtcd();
  const [clientA, clientB] = [newClient(etcd), newClient(etcd)];
  const a = elector(clientA, { replicaId: 'a' });
  const b = elector(clientB, { replicaId: 'b' });
  await a.acquire();
  let bLeads = false;
  const bAcquired = acquire(b).then(() => (bLeads = true));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(bLeads, false, 'b waits while a leads');
  assert.equal(a.leaderInfo().leader, true);
  assert.equal(b.leaderInfo().leader, false);
  assert.equal(b.leaderInfo().holder, a.holder, 'b sees who leads');
  assert.match(a.holder, /\/a$/);

  const tokenA = a.fencingToken();
  assert.ok(tokenA);
  const kv = await clientA.get(a.key).exec();
  assert.equal(kv.kvs[0]?.create_revision, tokenA, 'the token is the key create revision');
  assert.equal(b.fencingToken(), undefined);

  const releasedAt = performance.now();
  await a.release();
  const tookOverAt = await settledAt(bAcquired);
  const failoverMs = tookOverAt - releasedAt;
  t.diagnostic(`failover after release: ${failoverMs.toFixed(1)} ms`);
  assert.ok(failoverMs < 2000, `took over in ${failoverMs} ms`);
  assert.equal(a.leaderInfo().leader, false);
  assert.equal(b.leaderInfo().holder, b.holder);
  const tokenB = b.fencingToken();
  assert.ok(tokenB && BigInt(tokenB) > BigInt(tokenA), 'a new term has a larger token');
  await b.release();
  assert.equal((await clientB.get(b.key).exec()).kvs.length, 0, 'release removes the key');
});

test('a leader partitioned from etcd stops before the other replica starts', slow, async (t) => {
  const etcd = await startEtcd();
  const relay = await startPartitionableRelay(etcd.endpoint);
  const [clientA, clientB] = [newClient(relay), newClient(etcd)];
  const a = elector(clientA, { replicaId: 'a', requestTimeoutMs: 1000 });
  const b = elector(clientB, { replicaId: 'b' });
  await a.acquire();
  let lostAt: number | undefined;
  a.onLost(() => (lostAt = performance.now()));
  const bAcquired = acquire(b);
  await new Promise((resolve) => setTimeout(resolve, 1200)); // a keepalive or so

  const cutAt = performance.now();
  relay.cut(); // a's connection hangs: no error, no revoke reaches etcd
  const acquiredAt = await settledAt(bAcquired);
  assert.ok(lostAt !== undefined, 'a was told it lost leadership');
  t.diagnostic(
    `ttl 3 s: old leader stopped ${(lostAt - cutAt).toFixed(0)} ms after the cut, ` +
      `new leader after ${(acquiredAt - cutAt).toFixed(0)} ms, ` +
      `gap ${(acquiredAt - lostAt).toFixed(0)} ms`,
  );
  assert.ok(lostAt < acquiredAt, 'onLost fired before the other replica acquired');
  assert.ok(lostAt - cutAt <= 3000, `stopped ${lostAt - cutAt} ms after the cut`);
  assert.ok(acquiredAt - cutAt <= 3000 + 2500, `took over ${acquiredAt - cutAt} ms after`);
  assert.equal(a.fencingToken(), undefined);
  assert.equal(a.leaderInfo().leader, false);
  assert.equal(b.leaderInfo().leader, true);
});

test(
  'on 3 members: the member a leader talks to stops; another replica takes over',
  slow,
  async (t) => {
    const cluster = await EtcdTestCluster.start({ size: 3, stopGraceMs: 1000 });
    cleanups.push(() => cluster.stop());
    const [m0, m1, m2] = cluster.endpoints;
    assert.ok(m0 && m1 && m2);
    const clientA = newClient({ endpoint: m0 });
    const clientB = newClient({ endpoint: m1 }, { endpoint: m2 });
    const a = elector(clientA, { replicaId: 'a', requestTimeoutMs: 1000 });
    const b = elector(clientB, { replicaId: 'b' });
    await a.acquire();
    const lost = new Promise<number>((resolve) => a.onLost(() => resolve(performance.now())));
    const bAcquired = acquire(b);
    await new Promise((resolve) => setTimeout(resolve, 1200));

    const stoppedAt = performance.now();
    await cluster.stopMember(0);
    const acquiredAt = await settledAt(bAcquired);
    const lostAt = await lost;
    t.diagnostic(
      `3 members, ttl 3 s: old leader stopped ${(lostAt - stoppedAt).toFixed(0)} ms after its ` +
        `member, new leader after ${(acquiredAt - stoppedAt).toFixed(0)} ms`,
    );
    assert.ok(lostAt < acquiredAt, 'onLost fired before the other replica acquired');
    assert.ok(
      acquiredAt - stoppedAt <= 3000 + 5000,
      `took over ${acquiredAt - stoppedAt} ms after`,
    );
    assert.equal(b.leaderInfo().leader, true);
    const { kvs } = await clientB.get(b.key).exec();
    assert.equal(kvs[0]?.create_revision, b.fencingToken());
  },
);

test('a leader whose etcd stops answering loses leadership within the TTL', slow, async (t) => {
  const etcd = await startEtcd();
  const client = newClient(etcd);
  const a = elector(client, { ttlSeconds: 2, requestTimeoutMs: 500 });
  await a.acquire();
  const lost = new Promise<number>((resolve) => a.onLost(() => resolve(performance.now())));
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal(a.leaderInfo().leader, true, 'keepalives hold the lease past the first period');

  const stoppedAt = performance.now();
  etcd.process.kill('SIGSTOP'); // etcd sends nothing from now on: no error, no event
  try {
    const lostAt = await lost;
    t.diagnostic(`ttl 2 s: leadership ended ${(lostAt - stoppedAt).toFixed(0)} ms after SIGSTOP`);
    assert.ok(lostAt - stoppedAt < 2000, `ended ${lostAt - stoppedAt} ms after etcd stopped`);
    assert.equal(a.fencingToken(), undefined);
  } finally {
    etcd.process.kill('SIGCONT');
  }
});

test('an acquire waiting for leadership rejects when its signal aborts', slow, async () => {
  const etcd = await startEtcd();
  const [clientA, clientB] = [newClient(etcd), newClient(etcd)];
  const a = elector(clientA);
  const b = elector(clientB);
  await a.acquire();
  const abort = new AbortController();
  const waiting = acquire(b, abort.signal);
  setTimeout(() => abort.abort(new Error('shutting down')), 300);
  await assert.rejects(waiting, /shutting down/);
  await assert.rejects(b.acquire(AbortSignal.abort()), { name: 'AbortError' });
  assert.equal(b.leaderInfo().leader, false);
  // The aborted candidate left no lease behind; a still leads.
  const { leases } = await clientA.leaseClient.leaseLeases();
  assert.equal(leases.length, 1);
  assert.equal(a.leaderInfo().leader, true);
});

test('deleting the leader key by hand ends leadership', slow, async () => {
  const etcd = await startEtcd();
  const client = newClient(etcd);
  const a = elector(client);
  await a.acquire();
  const lost = new Promise<void>((resolve) => a.onLost(resolve));
  await client.delete().key(a.key).exec();
  await lost;
  assert.equal(a.leaderInfo().leader, false);
  await a.acquire(); // a new term after a loss
  assert.equal(a.leaderInfo().leader, true);
});

test(
  'managers: the cut-off leader aborts its reconciles before the next one reconciles',
  slow,
  async (t) => {
    const etcd = await startEtcd();
    const relay = await startPartitionableRelay(etcd.endpoint);
    const { store, timers } = await newManager(stores);
    const a = elector(newClient(relay), { replicaId: 'a', requestTimeoutMs: 1000 });
    const b = elector(newClient(etcd), { replicaId: 'b' });
    let abortedAt: number | undefined;
    const reconcilingA = recordingReconciler(
      (_key, ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            abortedAt = performance.now();
            resolve({});
          }),
        ),
    );
    let firstReconcileB: number | undefined;
    const reconcilingB = recordingReconciler(() => {
      firstReconcileB ??= performance.now();
      return {};
    });
    const managerA = new Manager({ store, timers, leaderElector: a });
    const managerB = new Manager({ store, timers, leaderElector: b });
    cleanups.push(
      () => managerA.stop(),
      () => managerB.stop(),
    );
    managerA.register({ name: 'machine', forKind: 'Machine', reconcile: reconcilingA.reconcile });
    managerB.register({ name: 'machine', forKind: 'Machine', reconcile: reconcilingB.reconcile });
    await store.create(machine('m1'));
    await managerA.start();
    const startingB = managerB.start(testsDone.signal);
    await reconcilingA.calledTimes(1);

    const cutAt = performance.now();
    relay.cut();
    await startingB;
    await reconcilingB.calledTimes(1);
    assert.ok(abortedAt !== undefined && firstReconcileB !== undefined);
    t.diagnostic(
      `a's reconcile aborted ${(abortedAt - cutAt).toFixed(0)} ms after the cut, ` +
        `b reconciled after ${(firstReconcileB - cutAt).toFixed(0)} ms`,
    );
    assert.ok(abortedAt < firstReconcileB, 'the old leader stopped before the new one reconciled');
    assert.deepEqual(reconcilingA.calls, ['team-a/m1']);
    assert.deepEqual(reconcilingB.calls, ['team-a/m1']);
  },
);
