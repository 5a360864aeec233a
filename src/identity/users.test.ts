import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemNamespace, type AnyResource } from '../api/index.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import type { User } from '../api/kinds/user.ts';
import {
  AdminGroup,
  AuthenticatedGroup,
  UserPasswords,
  passwordSecretName,
  principalOf,
} from './users.ts';
import { scryptHasher } from './passwords.ts';
import { countingHasher, createUser, openTestStore, type TestStore } from './test-support.ts';

describe('user passwords', () => {
  let t: TestStore;
  const hasher = countingHasher();
  let passwords: UserPasswords;
  before(async () => {
    t = await openTestStore();
    passwords = new UserPasswords({ store: t.store, hasher });
    await createUser(t.store, 'ann', { groups: ['physics'] });
    await createUser(t.store, 'bob', { disabled: true });
    await passwords.set('ann', 'ann password 123');
    await passwords.set('bob', 'bob password 123');
  });
  after(() => t.close());

  it('keeps only a scrypt hash, in an internal Secret owned by the User', async () => {
    const secret = await t.store.get<Secret & AnyResource>(
      'Secret',
      SystemNamespace,
      passwordSecretName('ann'),
    );
    assert.equal(secret.type, SecretTypes.PasswordHash);
    const stored = Buffer.from(secret.data?.['hash'] ?? '', 'base64').toString('utf8');
    assert.match(stored, /^\$scrypt\$/);
    assert.ok(!JSON.stringify(secret).includes('ann password'));
    assert.equal(secret.metadata.ownerReferences?.[0]?.kind, 'User');
    assert.equal(secret.metadata.ownerReferences?.[0]?.name, 'ann');
  });

  it('accepts the right password and refuses a wrong one', async () => {
    assert.equal((await passwords.verify('ann', 'ann password 123'))?.metadata.name, 'ann');
    assert.equal(await passwords.verify('ann', 'ann password 124'), undefined);
  });

  it('refuses a disabled user even with the right password', async () => {
    assert.equal(await passwords.verify('bob', 'bob password 123'), undefined);
  });

  it('spends the scrypt work on unknown users too', async () => {
    const before = hasher.verifications;
    assert.equal(await passwords.verify('nobody', 'some password 1'), undefined);
    assert.equal(await passwords.verify('Not A Valid Name!', 'some password 1'), undefined);
    assert.equal(hasher.verifications - before, 2);
  });

  it('makes the decoy hash ahead, so the first unknown name costs what later ones cost', async () => {
    const fresh = countingHasher();
    const warm = new UserPasswords({ store: t.store, hasher: fresh });
    await warm.warmUp();
    assert.equal(fresh.hashes, 1);
    assert.equal(await warm.verify('nobody-else', 'some password 2'), undefined);
    assert.equal(await warm.verify('nobody-at-all', 'some password 3'), undefined);
    assert.deepEqual([fresh.hashes, fresh.verifications], [1, 2]);
  });

  it('changes a password: the old one stops working', async () => {
    await passwords.set('ann', 'a brand new password');
    assert.equal(await passwords.verify('ann', 'ann password 123'), undefined);
    assert.ok(await passwords.verify('ann', 'a brand new password'));
  });

  it('rehashes a password made with weaker parameters at the next successful login', async () => {
    await createUser(t.store, 'old');
    await new UserPasswords({ store: t.store, hasher: scryptHasher({ logN: 9, r: 8, p: 1 }) }).set(
      'old',
      'old user password',
    );
    const stored = async () => {
      const secret = await t.store.get<Secret & AnyResource>(
        'Secret',
        SystemNamespace,
        passwordSecretName('old'),
      );
      return Buffer.from(secret.data?.['hash'] ?? '', 'base64').toString('utf8');
    };
    assert.match(await stored(), /^\$scrypt\$ln=9,/);
    assert.equal(await passwords.verify('old', 'wrong password!'), undefined);
    assert.match(await stored(), /^\$scrypt\$ln=9,/, 'not on a failed login');
    assert.ok(await passwords.verify('old', 'old user password'));
    assert.match(await stored(), /^\$scrypt\$ln=10,/);
    assert.ok(await passwords.verify('old', 'old user password'));
  });

  it('refuses a short password naming the field, and a password for a missing user', async () => {
    await assert.rejects(
      passwords.set('ann', 'short', 'newPassword'),
      /newPassword: must be at least 12/,
    );
    await assert.rejects(passwords.set('nobody', 'long enough password'), /not found/);
  });

  it('derives groups from the User', async () => {
    const ann = await t.store.get<User & AnyResource>('User', undefined, 'ann');
    const principal = principalOf(ann);
    assert.deepEqual([...principal.groups].sort(), [AuthenticatedGroup, 'physics'].sort());
    const admin = await createUser(t.store, 'root', { admin: true, groups: ['ops'] });
    assert.ok(principalOf(admin).groups.includes(AdminGroup));
    const sneaky = await createUser(t.store, 'sneaky', { groups: [AdminGroup] });
    assert.ok(
      !principalOf(sneaky).groups.includes(AdminGroup),
      'groups alone do not make an admin',
    );
  });
});
