// The etcd store against a real 3-member etcd cluster on loopback, started once for this
// file; every store gets its own key prefix, so tests do not see each other's objects.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import { runStoreConformance } from '../conformance.ts';
import { ipPool, machine, nextEvent, nextEvents, rejectsWith } from '../conformance/fixtures.ts';
import { loadEncryptionKeys } from '../encryption.ts';
import { openEtcdStore, type EtcdStore } from './etcd-store.ts';
import { EtcdTestCluster } from './test-cluster.ts';

let cluster: EtcdTestCluster;
let admin: Etcd3;
const dirs: string[] = [];

before(async () => {
  // Frequent progress notifications, so the bookmark test below needs no long wait.
  cluster = await EtcdTestCluster.start({
    size: 3,
    extraArgs: ['--experimental-watch-progress-notify-interval=200ms'],
  });
  admin = new Etcd3({ hosts: cluster.endpoints });
});

after(async () => {
  admin.close();
  await cluster.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-etcd-store-'));
  dirs.push(dir);
  return dir;
}

const freshPrefix = () => `/slipway-test-${randomBytes(6).toString('hex')}/`;

/** Two stores ("replicas") on one prefix and one key file, closed and wiped after `fn`. */
async function withReplicas(fn: (a: EtcdStore, b: EtcdStore, prefix: string) => Promise<void>) {
  const dataDir = await tempDir();
  const keyPrefix = freshPrefix();
  const a = await openEtcdStore({ endpoints: cluster.endpoints, dataDir, keyPrefix });
  const b = await openEtcdStore({ endpoints: cluster.endpoints, dataDir, keyPrefix });
  try {
    await fn(a, b, keyPrefix);
  } finally {
    await a.close();
    await b.close();
    await admin.delete().prefix(keyPrefix);
  }
}

runStoreConformance({
  snapshotPages: true,
  newStore: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-etcd-store-'));
    const keyPrefix = freshPrefix();
    const store = await openEtcdStore({ endpoints: cluster.endpoints, dataDir, keyPrefix });
    return {
      store,
      async cleanup() {
        await store.close();
        await admin.delete().prefix(keyPrefix);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});

describe('etcd store', () => {
  test('two replicas racing on one resourceVersion: exactly one wins, the other gets Conflict', () =>
    withReplicas(async (a, b) => {
      let v = await a.create(machine('m1'));
      for (let round = 0; round < 20; round++) {
        const base = v;
        const results = await Promise.allSettled(
          [a, b].map((store, i) =>
            store.update({
              ...base,
              metadata: { ...base.metadata, labels: { by: `round${round}-replica${i}` } },
            }),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        assert.equal(won.length, 1, `round ${round}: one winner`);
        assert.ok(isSlipwayError(lost[0]?.reason, StatusReason.Conflict), String(lost[0]?.reason));
        v = (won[0] as PromiseFulfilledResult<AnyResource>).value;
        assert.deepEqual(await b.get('Machine', 'team-a', 'm1'), v);
      }
    }));

  test('read-modify-write from two replicas loses no update', () =>
    withReplicas(async (a, b) => {
      await a.create({ ...machine('counter'), spec: { count: 0 } });
      const increment = async (store: EtcdStore) => {
        for (;;) {
          const m = await store.get('Machine', 'team-a', 'counter');
          const count = (m.spec as { count: number }).count;
          try {
            await store.update({ ...m, spec: { count: count + 1 } });
            return;
          } catch (err: unknown) {
            if (!isSlipwayError(err, StatusReason.Conflict)) throw err;
          }
        }
      };
      const work = (store: EtcdStore) =>
        (async () => {
          for (let i = 0; i < 15; i++) await increment(store);
        })();
      await Promise.all([work(a), work(b), work(a), work(b)]);
      const final = await b.get('Machine', 'team-a', 'counter');
      assert.deepEqual(final.spec, { count: 60 });
      assert.equal(final.metadata.generation, 61);
    }));

  test('a watch opened on one replica sees writes made through the other', () =>
    withReplicas(async (a, b) => {
      const watch = await a.watch({ kind: 'Machine', namespace: 'team-a' });
      const created = await b.create(machine('m1'));
      await b.create(machine('elsewhere', 'team-b'));
      const updated = await b.updateStatus({ ...created, status: { phase: 'Running' } });
      await b.delete('Machine', 'team-a', 'm1');
      const added = await nextEvent(watch);
      assert.equal(added.type, 'ADDED');
      assert.deepEqual(added.object, created);
      const modified = await nextEvent(watch);
      assert.deepEqual(modified.object, updated);
      assert.deepEqual(await nextEvents(watch, 1), ['DELETED m1']);
      watch.close();
    }));

  test('compaction on one replica: watches and continue tokens from before it answer 410 on the other', () =>
    withReplicas(async (a, b) => {
      const first = await a.create(machine('a'));
      await a.create(machine('b'));
      await a.create(machine('c'));
      const page = await b.list('Machine', { limit: 1 });
      const last = await a.create(machine('d'));
      await a.compact(last.metadata.resourceVersion ?? '');
      const err = await rejectsWith(
        b.watch({ kind: 'Machine', resourceVersion: first.metadata.resourceVersion ?? '' }),
        StatusReason.Gone,
      );
      assert.equal((err as { code?: number }).code, 410);
      await rejectsWith(
        b.list('Machine', { limit: 1, continue: page.continue ?? '' }),
        StatusReason.Gone,
      );
      // From the compaction point on, history is whole.
      const watch = await b.watch({
        kind: 'Machine',
        resourceVersion: last.metadata.resourceVersion ?? '',
      });
      await a.delete('Machine', 'team-a', 'd');
      const gone = await nextEvent(watch);
      assert.equal(gone.type, 'DELETED');
      assert.equal(gone.object.metadata.name, 'd');
      watch.close();
    }));

  test('keeps serving and watching while each member in turn is stopped and restarted', () =>
    withReplicas(async (a, b) => {
      // Stopping every member once stops the one the watch stream is on, and the leader.
      const watch = await a.watch({ kind: 'Machine' });
      const expected: string[] = [];
      for (let member = 0; member < cluster.size; member++) {
        await cluster.stopMember(member);
        try {
          const m = await b.create(machine(`m${member}`));
          await a.update({ ...m, metadata: { ...m.metadata, labels: { x: 'y' } } });
          expected.push(`ADDED m${member}`, `MODIFIED m${member}`);
        } finally {
          await cluster.restartMember(member);
        }
      }
      const seen: string[] = [];
      for (const _ of expected) {
        const ev = await nextEvent(watch, 60_000);
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
      }
      // In order, none lost and none twice across reconnections.
      assert.deepEqual(seen, expected);
      await b.create(machine('after'));
      assert.deepEqual(await nextEvents(watch, 1), ['ADDED after']);
      assert.equal((await a.list('Machine')).items.length, cluster.size + 1);
      watch.close();
    }));

  test('a watch whose start another store on the same etcd compacted away ends with 410', async () => {
    const dataDir = await tempDir();
    const mine = await openEtcdStore({
      endpoints: cluster.endpoints,
      dataDir,
      keyPrefix: freshPrefix(),
    });
    const other = await openEtcdStore({
      endpoints: cluster.endpoints,
      dataDir,
      keyPrefix: freshPrefix(),
    });
    try {
      const old = await mine.create(machine('old'));
      await mine.create(machine('newer'));
      // etcd compaction is cluster-wide: this store's own record of it says nothing yet.
      const otherWrite = await other.create(machine('x'));
      await other.compact(otherWrite.metadata.resourceVersion ?? '');
      const watch = await mine.watch({
        kind: 'Machine',
        resourceVersion: String(Number(old.metadata.resourceVersion) - 1),
      });
      const err = await nextEvent(watch, 30_000).then(
        () => assert.fail('expected the watch to end'),
        (e: unknown) => e,
      );
      assert.ok(isSlipwayError(err, StatusReason.Gone), String(err));
    } finally {
      await mine.close();
      await other.close();
      await admin.delete().prefix(mine.keyPrefix);
      await admin.delete().prefix(other.keyPrefix);
    }
  });

  test('an object larger than etcd takes is RequestEntityTooLarge, and nothing is written', () =>
    withReplicas(async (a) => {
      // Over etcd's --max-request-bytes (1.5 MiB), and over gRPC's 2 MiB message limit.
      for (const mib of [1.7, 2.5]) {
        const huge = { ...machine('huge'), spec: { blob: 'x'.repeat(mib * 1024 * 1024) } };
        await rejectsWith(a.create(huge), StatusReason.RequestEntityTooLarge);
        await rejectsWith(a.get('Machine', 'team-a', 'huge'), StatusReason.NotFound);
      }
    }));

  test("bookmarks move past other kinds' writes with etcd's progress notifications", () =>
    withReplicas(async (a, b) => {
      const watch = await a.watch({ kind: 'Machine', bookmarkIntervalMs: 50 });
      const pool = await b.create(ipPool('lab'));
      const target = Number(pool.metadata.resourceVersion);
      // Bookmarks until one covers the IPPool write, which this watch never sees itself.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ev = await nextEvent(watch, 30_000);
        assert.equal(ev.type, 'BOOKMARK');
        if (Number(ev.object.metadata.resourceVersion) >= target) break;
        assert.ok(Date.now() < deadline, `no bookmark reached revision ${target} in 30 s`);
      }
      watch.close();
    }));

  test('etcd out of reach is ServiceUnavailable, naming what the store was doing', async () => {
    // A loopback port that nothing listens on: the cluster's, once it is stopped, would do
    // too, but this keeps the shared cluster up.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const dataDir = await tempDir();
    const opts = { endpoints: [`http://127.0.0.1:${port}`], dataDir, requestTimeoutMs: 2000 };
    const err = await rejectsWith(openEtcdStore(opts), StatusReason.ServiceUnavailable);
    assert.match(err.message, /^etcd: /);
    // With a key file the store opens without asking etcd; its first read fails the same way.
    await loadEncryptionKeys(dataDir);
    const store = await openEtcdStore(opts);
    try {
      const getErr = await rejectsWith(
        store.get('Machine', 'team-a', 'm1'),
        StatusReason.ServiceUnavailable,
      );
      assert.match(getErr.message, /^etcd: get: /);
    } finally {
      await store.close();
    }
  });

  test('operations on a closed store fail with ServiceUnavailable', async () => {
    const dataDir = await tempDir();
    const store = await openEtcdStore({ endpoints: cluster.endpoints, dataDir });
    await store.close();
    await rejectsWith(store.get('Machine', 'team-a', 'x'), StatusReason.ServiceUnavailable);
    await rejectsWith(store.create(machine('x')), StatusReason.ServiceUnavailable);
  });
});
