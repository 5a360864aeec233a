import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  envelopeKeyId,
  Keyring,
  loadEncryptionKeys,
  pruneEncryptionKeys,
  rotateEncryptionKey,
} from './encryption.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-keys-'));
  dirs.push(dir);
  return dir;
}

test('round trip, with a fresh IV each time and the key id in the envelope', async () => {
  const keyring = await loadEncryptionKeys(await tempDir());
  const a = keyring.encrypt('{"data":"x"}', 'Secret\0ns\0a');
  const b = keyring.encrypt('{"data":"x"}', 'Secret\0ns\0a');
  assert.notDeepEqual(a, b);
  assert.equal(envelopeKeyId(a), keyring.primaryId);
  assert.equal(keyring.decrypt(a, 'Secret\0ns\0a', 'a'), '{"data":"x"}');
  assert.equal(envelopeKeyId(Buffer.from('{"plain":true}')), undefined);
});

test('a ciphertext moved to another row, or tampered with, does not decrypt', async () => {
  const keyring = await loadEncryptionKeys(await tempDir());
  const sealed = keyring.encrypt('secret', 'Secret\0ns\0a');
  assert.throws(
    () => keyring.decrypt(sealed, 'Secret\0ns\0b', 'Secret ns/b'),
    /cannot decrypt Secret ns\/b: authentication failed/,
  );
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
  assert.throws(() => keyring.decrypt(tampered, 'Secret\0ns\0a', 'x'), /authentication failed/);
  assert.throws(
    () => keyring.decrypt(Buffer.from('junk'), 'a', 'x'),
    /not a Slipway encryption envelope/,
  );
});

test('the key file: created once, 0600, rotated and pruned', async () => {
  const dir = await tempDir();
  const first = await loadEncryptionKeys(dir);
  const path = join(dir, 'encryption-keys.json');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await loadEncryptionKeys(dir)).primaryId, first.primaryId);

  const id = await rotateEncryptionKey(dir);
  const rotated = await loadEncryptionKeys(dir);
  assert.equal(rotated.primaryId, id);
  assert.deepEqual(
    rotated.keys.map((k) => k.id),
    [id, first.primaryId],
  );
  const old = first.encrypt('v', 'aad');
  assert.equal(rotated.decrypt(old, 'aad', 'x'), 'v');
  assert.equal((await stat(path)).mode & 0o777, 0o600);

  assert.deepEqual(await pruneEncryptionKeys(dir), [first.primaryId]);
  assert.deepEqual(await pruneEncryptionKeys(dir), []);
  const pruned = await loadEncryptionKeys(dir);
  assert.throws(
    () => pruned.decrypt(old, 'aad', 'Secret ns/a'),
    new RegExp(`key "${first.primaryId}", which is not in encryption-keys.json`),
  );
  const file = JSON.parse(await readFile(path, 'utf8')) as { keys: unknown[] };
  assert.equal(file.keys.length, 1);
});

test('a damaged key file is an error, never silently replaced', async () => {
  const dir = await tempDir();
  await writeFile(
    join(dir, 'encryption-keys.json'),
    JSON.stringify({ keys: [{ id: 'k', secret: 'c2hvcnQ=' }] }),
  );
  await assert.rejects(loadEncryptionKeys(dir), /base64 secret of 32 bytes/);
  await writeFile(join(dir, 'encryption-keys.json'), JSON.stringify({ keys: [] }));
  await assert.rejects(loadEncryptionKeys(dir), /holds no keys/);
  assert.throws(() => new Keyring([]), /at least one key/);
});
