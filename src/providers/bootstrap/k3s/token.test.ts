import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BootstrapError } from '../errors.ts';
import { generateK3sPKI } from './pki.ts';
import {
  assertTokenMatchesCA,
  formatK3sToken,
  generateK3sToken,
  hashK3sCA,
  parseK3sToken,
} from './token.ts';

const pkiPromise = generateK3sPKI(new Date('2026-03-01T12:00:00Z'));

/** What a joining node does (k3s hashCA, one certificate): SHA-256 of the bytes /cacerts served. */
function nodeSideHash(served: Buffer): string {
  return createHash('sha256').update(served).digest('hex');
}

test('the CA hash is SHA-256 of the raw server-ca.crt bytes, newlines included', async () => {
  const pki = await pkiPromise;
  const serverCA = pki['server-ca.crt'] ?? '';
  assert.equal(hashK3sCA(serverCA), nodeSideHash(Buffer.from(serverCA)));
  assert.equal(hashK3sCA(Buffer.from(serverCA)), hashK3sCA(serverCA));
  // Not the DER, not the PEM without its final newline: the exact bytes.
  assert.notEqual(hashK3sCA(serverCA), nodeSideHash(Buffer.from(serverCA.trimEnd())));
});

test('a generated token is K10<ca hash>::server:<64 hex digits>', async () => {
  const pki = await pkiPromise;
  const serverCA = pki['server-ca.crt'] ?? '';
  const token = generateK3sToken(serverCA);
  assert.match(token, /^K10[0-9a-f]{64}::server:[0-9a-f]{64}$/);
  const parsed = parseK3sToken(token);
  assert.equal(parsed.caHash, nodeSideHash(Buffer.from(serverCA)));
  assert.equal(parsed.username, 'server');
  assert.notEqual(generateK3sToken(serverCA), token, 'passwords are random');
  assert.equal(
    formatK3sToken({ caHash: 'a'.repeat(64), username: 'node', password: 'p' }),
    `K10${'a'.repeat(64)}::node:p`,
  );
});

test('tokens parse as K3s parses them', () => {
  const hash = 'b'.repeat(64);
  assert.deepEqual(parseK3sToken(`K10${hash}::server:secret`), {
    caHash: hash,
    username: 'server',
    password: 'secret',
  });
  assert.deepEqual(parseK3sToken('K10::node:pa:ss'), { username: 'node', password: 'pa:ss' });
  // Without the prefix the whole token is the password (K3s makes it K10:::<token>).
  assert.deepEqual(parseK3sToken('user:secret'), { password: 'user:secret' });
  assert.deepEqual(parseK3sToken('secret'), { password: 'secret' });
});

test('malformed tokens are refused without repeating them', () => {
  const secret = 'hunter2hunter2';
  for (const token of [
    `K10${'c'.repeat(63)}::server:${secret}`,
    `K10${'C'.repeat(64)}::server:${secret}`,
    `K10${'c'.repeat(64)}:server:${secret}`,
    `K10${'c'.repeat(64)}::${secret}`,
    `K10${'c'.repeat(64)}::server:`,
    '',
  ]) {
    assert.throws(
      () => parseK3sToken(token),
      (err: unknown) =>
        err instanceof BootstrapError &&
        err.reason === 'InvalidToken' &&
        !err.message.includes(secret) &&
        !err.message.includes('c'.repeat(20)),
      JSON.stringify(token),
    );
  }
});

test('a token is checked against the CA it will be used with', async () => {
  const pki = await pkiPromise;
  const other = await generateK3sPKI(new Date('2026-03-01T12:00:00Z'));
  const token = generateK3sToken(pki['server-ca.crt'] ?? '');
  assertTokenMatchesCA(token, pki['server-ca.crt'] ?? '');
  const password = token.split(':').pop() ?? '';
  for (const [badToken, ca] of [
    [token, other['server-ca.crt'] ?? ''],
    [`K10::server:${password}`, pki['server-ca.crt'] ?? ''],
    [password, pki['server-ca.crt'] ?? ''],
  ] as const) {
    assert.throws(
      () => assertTokenMatchesCA(badToken, ca),
      (err: unknown) => err instanceof BootstrapError && !err.message.includes(password),
    );
  }
});

test('a CA bundle with more than one certificate is refused rather than hashed wrongly', async () => {
  const pki = await pkiPromise;
  const bundle = `${pki['server-ca.crt'] ?? ''}${pki['client-ca.crt'] ?? ''}`;
  assert.throws(() => hashK3sCA(bundle), /exactly one certificate/);
});
