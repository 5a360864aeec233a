import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import { runStoreConformance } from '../conformance.ts';
import { ipPool, machine, nextEvents, rejectsWith, secret } from '../conformance/fixtures.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

runStoreConformance({
  newStore: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
    const store = await openSqliteStore({ dataDir });
    return {
      store,
      async cleanup() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});

describe('sqlite store', () => {
  test('everything survives a reopen: objects, revision, history and compaction', async () => {
    const dataDir = await tempDir();
    const first = await openSqliteStore({ dataDir });
    await first.create(ipPool('lab'));
    const m = await first.create(machine('m1'));
    await first.create(secret('s1', 'team-a', { k: 'dg==' }));
    await first.updateStatus({ ...m, status: { phase: 'Running' } });
    await first.compact(m.metadata.resourceVersion ?? '');
    const rev = await first.currentRevision();
    await first.close();

    const second = await openSqliteStore({ dataDir });
    try {
      assert.equal(await second.currentRevision(), rev);
      assert.deepEqual((await second.get('Machine', 'team-a', 'm1')).status, { phase: 'Running' });
      assert.deepEqual((await second.list('Secret')).items[0]?.['data'], { k: 'dg==' });
      await rejectsWith(
        second.watch({ resourceVersion: String(Number(m.metadata.resourceVersion) - 1) }),
        StatusReason.Gone,
      );
      const watch = await second.watch({ resourceVersion: m.metadata.resourceVersion ?? '' });
      assert.deepEqual(await nextEvents(watch, 2), ['ADDED s1', 'MODIFIED m1']);
      watch.close();
      const next = await second.create(machine('m2'));
      assert.equal(next.metadata.resourceVersion, String(Number(rev) + 1));
    } finally {
      await second.close();
    }
  });

  test('the key file is created owner-only on first start', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    await store.close();
    const mode = (await stat(join(dataDir, 'encryption-keys.json'))).mode & 0o777;
    assert.equal(mode.toString(8), '600');
  });

  test('refuses to start with encrypted rows but no key file', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    await store.create(secret('s1', 'team-a', { k: 'dg==' }));
    await store.close();
    await unlink(join(dataDir, 'encryption-keys.json'));
    await assert.rejects(openSqliteStore({ dataDir }), /encryption-keys\.json is missing/);
  });

  test('a watcher that stops reading is ended, not waited for', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir, watchBufferLimit: 5 });
    try {
      const watch = await store.watch({ kind: 'Machine' });
      for (let i = 0; i < 10; i++) await store.create(machine(`m${i}`));
      await assert.rejects(
        watch[Symbol.asyncIterator]().next(),
        (err: unknown) =>
          isSlipwayError(err, StatusReason.ServiceUnavailable) &&
          /fell 5 events behind/.test(err.message),
      );
      // History is still there: watching again from the start replays everything.
      const again = await store.watch({ kind: 'Machine', resourceVersion: '1' });
      assert.equal((await nextEvents(again, 9)).length, 9);
      again.close();
    } finally {
      await store.close();
    }
  });

  test('operations on a closed store fail with ServiceUnavailable', async () => {
    const store = await openSqliteStore({ dataDir: await tempDir() });
    await store.close();
    await rejectsWith(store.get('Machine', 'team-a', 'x'), StatusReason.ServiceUnavailable);
    await rejectsWith(store.create(machine('x')), StatusReason.ServiceUnavailable);
    await store.close();
  });

  test('timestamps come from the injected clock', async () => {
    const clock = () => new Date('2030-05-06T07:08:09.999Z');
    const store = await openSqliteStore({ dataDir: await tempDir(), clock });
    try {
      const created = await store.create(machine('m1', 'team-a', { finalizers: ['a/b'] }));
      assert.equal(created.metadata.creationTimestamp, '2030-05-06T07:08:09Z');
      const deleting = await store.delete('Machine', 'team-a', 'm1');
      assert.equal(deleting.metadata.deletionTimestamp, '2030-05-06T07:08:09Z');
    } finally {
      await store.close();
    }
  });
});
