// A writer killed with SIGKILL mid-write leaves a consistent store: every write is one
// transaction, so each object is whole, the revision matches the watch log, and SQLite's
// own integrity check passes. Several rounds on one data directory, random kill points.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import type { AnyResource } from '../../api/meta.ts';
import { checksum, checksumAnnotation } from './crash-checksum.ts';
import { openSqliteStore } from './sqlite-store.ts';

const writer = join(import.meta.dirname, 'crash-writer.ts');
let dataDir = '';
after(() => rm(dataDir, { recursive: true, force: true }));

/** Run the writer until it reports `atLeast` writes, wait `delayMs` more, SIGKILL it. */
function killMidWrite(dir: string, atLeast: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const count = out.split('\n').filter(Boolean).length;
      if (!armed && count >= atLeast) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(out.split('\n').filter(Boolean).length);
      else reject(new Error(`writer exited early (code ${code}): ${err}`));
    });
  });
}

function checkRawDatabase(dir: string): { revision: number; objects: number } {
  const db = new DatabaseSync(join(dir, 'store.db'));
  try {
    const integrity = db.prepare('PRAGMA integrity_check').all();
    assert.deepEqual(
      integrity.map((r) => r['integrity_check']),
      ['ok'],
    );
    const revision = Number(
      db.prepare("SELECT value FROM store_meta WHERE key = 'revision'").get()?.['value'],
    );
    const lastLog = Number(db.prepare('SELECT max(revision) AS r FROM watch_log').get()?.['r']);
    assert.equal(revision, lastLog, 'the revision is the last watch-log row');
    // Each object row is exactly the state its last log row recorded.
    const mismatched = db
      .prepare(
        `SELECT o.kind, o.name FROM objects o
         WHERE o.revision > ? OR o.revision <> (SELECT max(l.revision) FROM watch_log l
           WHERE l.kind = o.kind AND l.namespace = o.namespace AND l.name = o.name AND l.type <> 'DELETED')`,
      )
      .all(revision);
    assert.deepEqual(
      mismatched.map((r) => `${String(r['kind'])} ${String(r['name'])}`),
      [],
    );
    const objects = Number(db.prepare('SELECT count(*) AS n FROM objects').get()?.['n']);
    return { revision, objects };
  } finally {
    db.close();
  }
}

function payloadOf(obj: AnyResource): string {
  const holder =
    obj.kind === 'Secret' ? obj['data'] : (obj.spec as { infrastructure?: unknown }).infrastructure;
  return String((holder as { payload?: unknown } | undefined)?.payload);
}

test('SIGKILL during a write loop leaves a consistent store', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-crash-'));
  let lastRevision = 0;
  for (let round = 0; round < 4; round++) {
    const reported = await killMidWrite(
      dataDir,
      30 + Math.floor(Math.random() * 50),
      Math.floor(Math.random() * 40),
    );
    const raw = checkRawDatabase(dataDir);
    assert.ok(raw.revision > lastRevision, `round ${round}: no progress`);
    assert.ok(raw.revision - lastRevision >= reported, 'every reported write was committed');
    lastRevision = raw.revision;

    const store = await openSqliteStore({ dataDir });
    try {
      assert.equal(Number(await store.currentRevision()), raw.revision);
      const items = [...(await store.list('Machine')).items, ...(await store.list('Secret')).items];
      assert.equal(items.length, raw.objects);
      for (const obj of items) {
        assert.ok(Number(obj.metadata.resourceVersion) <= raw.revision);
        const want = obj.metadata.annotations?.[checksumAnnotation];
        assert.equal(checksum(payloadOf(obj)), want, `${obj.kind} ${obj.metadata.name} is whole`);
      }
    } finally {
      await store.close();
    }
  }
});
