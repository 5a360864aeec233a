import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Secret } from '../api/index.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { rotateStoreEncryptionKey } from './rotate-encryption-key.ts';

test('rotation re-seals every secret under a new key and drops the old one', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-rotate-'));
  try {
    const store = await openSqliteStore({ dataDir });
    await store.create({
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Secret',
      metadata: { name: 'ca', namespace: 'default' },
      data: { 'tls.key': Buffer.from('rotate-me-please').toString('base64') },
    });
    const [oldKey] = await store.encryptionKeysInUse();
    await store.close();

    const result = await rotateStoreEncryptionKey(dataDir);
    assert.notEqual(result.newKeyId, oldKey);
    assert.ok(result.reencrypted >= 1, 'the secret row was re-encrypted');
    assert.deepEqual(result.pruned, [oldKey]);

    const keyFile = JSON.parse(await readFile(join(dataDir, 'encryption-keys.json'), 'utf8')) as {
      keys: { id: string }[];
    };
    assert.deepEqual(
      keyFile.keys.map((k) => k.id),
      [result.newKeyId],
    );

    const reopened = await openSqliteStore({ dataDir });
    try {
      const secret = await reopened.get<Secret>('Secret', 'default', 'ca');
      assert.equal(
        Buffer.from(secret.data?.['tls.key'] ?? '', 'base64').toString(),
        'rotate-me-please',
      );
      assert.deepEqual(await reopened.encryptionKeysInUse(), [result.newKeyId]);
    } finally {
      await reopened.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
