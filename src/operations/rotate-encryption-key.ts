// Offline key rotation for the embedded store: a new primary key, every encrypted row
// re-sealed under it, then the old keys dropped. Run with the server stopped, since a
// running server holds the old key set in memory.
import { resolve } from 'node:path';
import { pruneEncryptionKeys, rotateEncryptionKey } from '../store/encryption.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';

export interface RotationResult {
  newKeyId: string;
  /** Rows (objects and watch-log entries) sealed again under the new key. */
  reencrypted: number;
  /** Old key ids removed from the key file. */
  pruned: string[];
}

export async function rotateStoreEncryptionKey(
  dataDir: string,
  opts: { prune?: boolean } = {},
): Promise<RotationResult> {
  const dir = resolve(dataDir);
  const newKeyId = await rotateEncryptionKey(dir);
  const store = await openSqliteStore({ dataDir: dir });
  let reencrypted: number;
  let inUse: string[];
  try {
    reencrypted = await store.reencryptAll();
    inUse = await store.encryptionKeysInUse();
  } finally {
    await store.close();
  }
  const stale = inUse.filter((id) => id !== newKeyId);
  if (stale.length > 0) {
    throw new Error(
      `rows are still sealed with key(s) ${stale.join(', ')} after re-encryption; old keys kept`,
    );
  }
  const pruned = opts.prune === false ? [] : await pruneEncryptionKeys(dir);
  return { newKeyId, reencrypted, pruned };
}
