import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPasswordPolicy,
  decodePasswordHash,
  needsRehash,
  passwordPolicyViolation,
  scryptHasher,
} from './passwords.ts';
import { fastParams } from './test-support.ts';

describe('scrypt password hashing', () => {
  const hasher = scryptHasher(fastParams);

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hasher.hash('correct horse battery');
    assert.equal(await hasher.verify('correct horse battery', encoded), true);
    assert.equal(await hasher.verify('correct horse batterY', encoded), false);
    assert.equal(await hasher.verify('', encoded), false);
  });

  it('salts every hash and keeps its parameters in the encoding', async () => {
    const a = await hasher.hash('same password!');
    const b = await hasher.hash('same password!');
    assert.notEqual(a, b);
    assert.match(a, /^\$scrypt\$ln=10,r=8,p=1\$/);
    const decoded = decodePasswordHash(a);
    assert.equal(decoded?.salt.length, 16);
    assert.equal(decoded?.key.length, 32);
    assert.ok(!a.includes('same password'));
  });

  it('verifies a hash made with other parameters, and says it needs rehashing', async () => {
    const old = await scryptHasher({ logN: 9, r: 8, p: 1 }).hash('an older password');
    assert.equal(await hasher.verify('an older password', old), true);
    assert.equal(needsRehash(old, fastParams), true);
    assert.equal(needsRehash(await hasher.hash('a newer password'), fastParams), false);
  });

  it('treats malformed or tampered hashes as no match', async () => {
    for (const encoded of [
      '',
      'plain',
      '$scrypt$ln=40,r=8,p=1$AAAA$AAAA',
      '$scrypt$ln=10,r=8,p=1$AAAA$',
    ]) {
      assert.equal(await hasher.verify('whatever password', encoded), false, encoded);
    }
  });

  it('normalizes Unicode so the same password typed differently matches', async () => {
    const encoded = await hasher.hash('caf\u00e9 au lait, please');
    assert.equal(await hasher.verify('cafe\u0301 au lait, please', encoded), true);
  });
});

describe('password policy', () => {
  it('wants at least 12 characters and names the field when refusing', () => {
    assert.equal(passwordPolicyViolation('twelve chars'), undefined);
    assert.match(passwordPolicyViolation('short') ?? '', /at least 12 characters long \(got 5\)/);
    assert.match(passwordPolicyViolation(42) ?? '', /must be a string/);
    assert.match(passwordPolicyViolation('x'.repeat(2000)) ?? '', /at most 1024/);
    assert.throws(
      () => checkPasswordPolicy('short', 'password', { kind: 'User', name: 'ann' }),
      (err: unknown) =>
        err instanceof Error &&
        /User "ann" is invalid: password: must be at least 12 characters/.test(err.message),
    );
  });
});
