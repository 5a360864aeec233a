import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { k3sCAHash, parseK3sToken, secureK3sToken } from './k3s-token.ts';
import { testPki } from './test-support.ts';

describe('K3s tokens', () => {
  test('the CA hash of one certificate is SHA-256 of the file bytes, newlines included', () => {
    const { serverCert } = testPki();
    const expected = createHash('sha256').update(Buffer.from(serverCert)).digest('hex');
    assert.equal(k3sCAHash(serverCert), expected);
    assert.equal(k3sCAHash(Buffer.from(serverCert)), expected);
    assert.notEqual(k3sCAHash(serverCert.trimEnd()), expected, 'bytes exactly as written');
  });

  test('the CA hash of a chain is SHA-256 of the DER of its last (root) certificate', () => {
    const leaf = testPki().serverCert;
    const root = testPki().serverCert;
    const der = Buffer.from(root.split('\n').slice(1, -2).join(''), 'base64');
    const expected = createHash('sha256').update(der).digest('hex');
    assert.equal(k3sCAHash(leaf + root), expected);
  });

  test('parses secure and short tokens', () => {
    const hash = 'ab'.repeat(32);
    assert.deepEqual(parseK3sToken(`K10${hash}::server:s3cret`), {
      caHash: hash,
      username: 'server',
      password: 's3cret',
    });
    assert.deepEqual(parseK3sToken(`K10${hash.toUpperCase()}::node:a:b`), {
      caHash: hash,
      username: 'node',
      password: 'a:b',
    });
    assert.deepEqual(parseK3sToken('K10::server:pw'), { username: 'server', password: 'pw' });
    assert.deepEqual(parseK3sToken('just-a-password\n'), { password: 'just-a-password' });
    assert.deepEqual(parseK3sToken('user:pw'), { username: 'user', password: 'pw' });
  });

  test('rejects malformed tokens', () => {
    assert.throws(() => parseK3sToken(''), /must not be empty/);
    assert.throws(() => parseK3sToken('K10abcd'), /invalid token format/);
    assert.throws(() => parseK3sToken('K10abcd::server'), /invalid token format/);
    assert.throws(() => parseK3sToken('K10abcd::server:'), /invalid token format/);
    assert.throws(() => parseK3sToken('K10xyz::server:pw'), /invalid token CA hash/);
  });

  test('secureK3sToken round-trips', () => {
    const { serverCert } = testPki();
    const token = secureK3sToken(serverCert, 'pw', 'node');
    assert.deepEqual(parseK3sToken(token), {
      caHash: k3sCAHash(serverCert),
      username: 'node',
      password: 'pw',
    });
  });
});
