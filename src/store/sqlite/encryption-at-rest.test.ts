// Secrets on disk: the raw database files never hold a secret value, and keys rotate.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kinds } from '../../api/registry.ts';
import { ipPool, nextEvents, secret } from '../conformance/fixtures.ts';
import { pruneEncryptionKeys, rotateEncryptionKey } from '../encryption.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-enc-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Bytes of store.db, store.db-wal and store.db-shm (whichever exist). */
async function rawFiles(dataDir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const name of ['store.db', 'store.db-wal', 'store.db-shm']) {
    try {
      parts.push(await readFile(join(dataDir, name)));
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return Buffer.concat(parts);
}

describe('encryption at rest', () => {
  test('no secret value appears in the raw database files, in plain or base64', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    const value = `hunter2-${randomUUID()}`;
    const b64 = Buffer.from(value).toString('base64');
    // A value stored in clear, to prove the scan would find one.
    const marker = `visible-${randomUUID()}`;
    try {
      const s = await store.create({
        ...secret('db-password', 'team-a', { password: b64 }),
        stringData: { again: value },
      });
      // A label change logs the previous state too: it must be sealed as well.
      await store.update({ ...s, metadata: { ...s.metadata, labels: { rotated: 'yes' } } });
      await store.create({
        ...ipPool('lab'),
        spec: { addresses: ['10.0.0.1'], prefix: 24, gateway: marker },
      });
      const scan = async () => {
        const raw = await rawFiles(dataDir);
        assert.ok(raw.includes(marker), 'the scan sees clear-text rows');
        for (const needle of [value, b64])
          assert.equal(raw.includes(needle), false, `found ${needle}`);
      };
      await scan(); // rows still in the WAL
      await store.checkpoint();
      await scan(); // rows folded into store.db
      assert.deepEqual((await store.get('Secret', 'team-a', 'db-password'))['stringData'], {
        again: value,
      });
    } finally {
      await store.close();
    }
    const raw = await rawFiles(dataDir);
    assert.equal(raw.includes(value) || raw.includes(b64), false);
  });

  test('rotate, re-encrypt, prune: everything stays readable', async () => {
    const dataDir = await tempDir();
    let store = await openSqliteStore({ dataDir });
    await store.create(ipPool('before'));
    const first = await store.create(secret('s1', 'team-a', { v: 'b25l' }));
    const [oldKey] = await store.encryptionKeysInUse();
    await store.close();

    const newKey = await rotateEncryptionKey(dataDir);
    assert.equal((await stat(join(dataDir, 'encryption-keys.json'))).mode & 0o777, 0o600);
    store = await openSqliteStore({ dataDir });
    assert.deepEqual((await store.get('Secret', 'team-a', 's1'))['data'], { v: 'b25l' });
    await store.create(secret('s2', 'team-a', { v: 'dHdv' }));
    assert.deepEqual((await store.encryptionKeysInUse()).sort(), [oldKey, newKey].sort());
    assert.ok((await store.reencryptAll()) >= 2, 'object row and watch-log row of s1');
    assert.deepEqual(await store.encryptionKeysInUse(), [newKey]);
    assert.equal(await store.reencryptAll(), 0);
    await store.close();

    assert.deepEqual(await pruneEncryptionKeys(dataDir), [oldKey]);
    store = await openSqliteStore({ dataDir });
    try {
      const secrets = (await store.list('Secret')).items.map((s) => s['data']);
      assert.deepEqual(secrets, [{ v: 'b25l' }, { v: 'dHdv' }]);
      const history = await store.watch({
        kind: 'Secret',
        resourceVersion: String(Number(first.metadata.resourceVersion) - 1),
      });
      assert.deepEqual(await nextEvents(history, 2), ['ADDED s1', 'ADDED s2']);
      history.close();
    } finally {
      await store.close();
    }
  });

  test('pruning before re-encrypting leaves old rows unreadable, with a clear error', async () => {
    const dataDir = await tempDir();
    let store = await openSqliteStore({ dataDir });
    await store.create(secret('s1', 'team-a', { v: 'b25l' }));
    const [oldKey] = await store.encryptionKeysInUse();
    await store.close();
    await rotateEncryptionKey(dataDir);
    await pruneEncryptionKeys(dataDir);
    store = await openSqliteStore({ dataDir });
    try {
      const problem = new RegExp(
        `Secret team-a/s1.*key "${oldKey}", which is not in encryption-keys\\.json`,
      );
      await assert.rejects(store.get('Secret', 'team-a', 's1'), problem);
      await assert.rejects(store.list('Secret'), problem);
    } finally {
      await store.close();
    }
  });

  test('reencryptAll also seals rows written before their kind was encrypted', async () => {
    const dataDir = await tempDir();
    const value = Buffer.from(`legacy-${randomUUID()}`).toString('base64');
    const plainKinds = kinds.map((k) => ({ ...k, encryptedAtRest: false }));
    let store = await openSqliteStore({ dataDir, kinds: plainKinds });
    await store.create(secret('old', 'team-a', { v: value }));
    await store.checkpoint();
    assert.ok((await rawFiles(dataDir)).includes(value), 'written in clear');
    await store.close();

    store = await openSqliteStore({ dataDir });
    try {
      assert.equal(await store.reencryptAll(), 2, 'the object row and its watch-log row');
      const raw = await rawFiles(dataDir);
      assert.equal(raw.includes(value), false, 'no clear copy left in the files');
      const got = await store.get('Secret', 'team-a', 'old');
      assert.deepEqual(got['data'], { v: value });
    } finally {
      await store.close();
    }
  });
});
