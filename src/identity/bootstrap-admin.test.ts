import assert from 'node:assert/strict';
import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AnyResource } from '../api/index.ts';
import type { User } from '../api/kinds/user.ts';
import { adminPasswordFile, ensureFirstAdmin } from './bootstrap-admin.ts';
import { ensureSecretFile } from './secret-file.ts';
import { countingHasher, createUser, openTestStore, type TestStore } from './test-support.ts';
import { UserPasswords } from './users.ts';

describe('first admin', () => {
  let t: TestStore;
  let passwords: UserPasswords;
  before(async () => {
    t = await openTestStore();
    passwords = new UserPasswords({ store: t.store, hasher: countingHasher() });
  });
  after(() => t.close());

  it('is created on the first start with a generated password in a 0600 file', async () => {
    const first = await ensureFirstAdmin({ store: t.store, passwords, dataDir: t.dataDir });
    assert.equal(first.passwordPath, join(t.dataDir, adminPasswordFile));
    assert.ok(first.password !== undefined && first.password.length >= 20);
    assert.equal((await readFile(first.passwordPath, 'utf8')).trim(), first.password);
    assert.equal((await stat(first.passwordPath)).mode & 0o777, 0o600);
    const admin = await t.store.get<User & AnyResource>('User', undefined, 'admin');
    assert.equal(admin.spec.admin, true);
    assert.ok(await passwords.verify('admin', first.password));
  });

  it('is not made again on later starts: same file, same password, nothing to print', async () => {
    const before = await readFile(join(t.dataDir, adminPasswordFile), 'utf8');
    const again = await ensureFirstAdmin({ store: t.store, passwords, dataDir: t.dataDir });
    assert.equal(again.password, undefined);
    assert.equal(await readFile(again.passwordPath, 'utf8'), before);
    assert.ok(await passwords.verify('admin', before.trim()));
  });

  it('is not made when any User exists', async () => {
    const other = await openTestStore();
    try {
      await createUser(other.store, 'ann');
      const result = await ensureFirstAdmin({
        store: other.store,
        passwords: new UserPasswords({ store: other.store, hasher: countingHasher() }),
        dataDir: other.dataDir,
      });
      assert.equal(result.password, undefined);
      await assert.rejects(readFile(result.passwordPath), /ENOENT/);
      await assert.rejects(other.store.get('User', undefined, 'admin'), /not found/);
    } finally {
      await other.close();
    }
  });
});

describe('secret files', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('writes once, then reads back; tightens loosened permissions', async () => {
    const path = join(t.dataDir, 'some.secret');
    const made = await ensureSecretFile(path, () => 'first value');
    assert.deepEqual(made, { value: 'first value', created: true });
    await chmod(path, 0o644);
    const again = await ensureSecretFile(path, () => 'second value');
    assert.deepEqual(again, { value: 'first value', created: false });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('of two concurrent writers, one wins and both read its value', async () => {
    const path = join(t.dataDir, 'raced.secret');
    const results = await Promise.all([
      ensureSecretFile(path, () => 'from a'),
      ensureSecretFile(path, () => 'from b'),
    ]);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(results[0]?.value, results[1]?.value);
  });

  it('refuses an empty file', async () => {
    const path = join(t.dataDir, 'empty.secret');
    await writeFile(path, '\n', { mode: 0o600 });
    await assert.rejects(
      ensureSecretFile(path, () => 'x'),
      /is empty/,
    );
  });
});
