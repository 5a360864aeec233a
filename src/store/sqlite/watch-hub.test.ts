// The watch hub on a real database file: history is replayed page by page as the
// consumer reads, never loaded whole, and a compaction under a replay is a 410.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StatusReason } from '../../api/errors.ts';
import { loadEncryptionKeys } from '../encryption.ts';
import { nextEvents, rejectsWith } from '../conformance/fixtures.ts';
import { BodyCodec } from './codec.ts';
import { StoreDatabase } from './database.ts';
import { WatchHub } from './watch-hub.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A database holding `count` ADDED rows of Machines, and a count of log rows read. */
async function databaseWithHistory(count: number) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-hub-'));
  dirs.push(dir);
  const db = new StoreDatabase(join(dir, 'store.db'), 1000);
  db.transaction(() => {
    for (let revision = 2; revision < count + 2; revision++) {
      const name = `m${revision}`;
      const body = JSON.stringify({
        apiVersion: 'slipway.dev/v1alpha1',
        kind: 'Machine',
        metadata: { name, namespace: 'a', resourceVersion: String(revision) },
      });
      db.appendLog({
        revision,
        type: 'ADDED',
        kind: 'Machine',
        namespace: 'a',
        name,
        body,
        prevBody: null,
      });
      db.setMeta('revision', revision);
    }
  });
  const read = { rows: 0 };
  const counted = new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (typeof prop !== 'string' || !prop.startsWith('log')) return method;
      return (...args: unknown[]) => {
        const rows = method(...args);
        if (Array.isArray(rows)) read.rows += rows.length;
        return rows;
      };
    },
  });
  const codec = new BodyCodec(await loadEncryptionKeys(dir), []);
  return { db, counted, codec, read };
}

test('history is replayed page by page as the consumer reads', async () => {
  const { db, counted, codec, read } = await databaseWithHistory(5000);
  const hub = new WatchHub({ bufferLimit: 100 });
  try {
    const watch = hub.open(counted, codec, { kind: 'Machine', resourceVersion: '1' });
    assert.ok(read.rows <= 1000, `${read.rows} rows read before anything was consumed`);
    const events = await nextEvents(watch, 5000);
    assert.equal(events.length, 5000);
    assert.equal(events[0], 'ADDED m2');
    assert.equal(events[4999], 'ADDED m5001');
    assert.ok(read.rows <= 5000 + 1000, 'each row read about once');
    watch.close();
  } finally {
    hub.closeAll();
    db.close();
  }
});

test('a compaction under a replay ends the watch with 410 Gone', async () => {
  const { db, codec } = await databaseWithHistory(3000);
  const hub = new WatchHub({ bufferLimit: 100 });
  try {
    const watch = hub.open(db, codec, { kind: 'Machine', resourceVersion: '1' });
    const iterator = watch[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    db.transaction(() => {
      db.deleteLogThrough(2500);
      db.setMeta('compacted', 2500);
    });
    await rejectsWith(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
      StatusReason.Gone,
    );
  } finally {
    hub.closeAll();
    db.close();
  }
});
