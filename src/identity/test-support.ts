// Shared by the identity tests: a real SQLite store in a fresh temporary directory, a
// fast scrypt hasher that counts its work, and Users. Not part of the product.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiVersion, type AnyResource } from '../api/index.ts';
import type { User } from '../api/kinds/user.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/types.ts';
import { scryptHasher, type PasswordHasher } from './passwords.ts';

/** Cheap scrypt parameters for tests; the encoding and code path are the real ones. */
export const fastParams = { logN: 10, r: 8, p: 1 };

export interface CountingHasher extends PasswordHasher {
  /** How many times a key was derived to check a password. */
  verifications: number;
  /** How many hashes were made. */
  hashes: number;
}

export function countingHasher(): CountingHasher {
  const inner = scryptHasher(fastParams);
  const hasher: CountingHasher = {
    verifications: 0,
    hashes: 0,
    hash(password) {
      hasher.hashes++;
      return inner.hash(password);
    },
    needsRehash: (encoded) => inner.needsRehash?.(encoded) ?? false,
    verify(password, encoded) {
      hasher.verifications++;
      return inner.verify(password, encoded);
    },
  };
  return hasher;
}

export interface TestStore {
  store: Store;
  dataDir: string;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-identity-'));
  const store = await openSqliteStore({ dataDir });
  return {
    store,
    dataDir,
    async close() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function createUser(
  store: Store,
  name: string,
  spec: User['spec'] = {},
): Promise<User & AnyResource> {
  return store.create<User & AnyResource>({
    apiVersion: ApiVersion,
    kind: 'User',
    metadata: { name },
    spec,
  });
}

/** A controllable clock. */
export function testClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}
