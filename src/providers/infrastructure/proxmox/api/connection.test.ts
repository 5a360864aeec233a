import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normalizeFingerprint,
  resolveConnection,
  type ProxmoxAuth,
  type ProxmoxConnection,
} from './connection.ts';

const token: ProxmoxAuth = {
  type: 'token',
  tokenId: 'slipway@pve!k8s',
  secret: '1f3c7e0a-5b9d-4c2e-8f6a-0d1e2f3a4b5c',
};
const base: ProxmoxConnection = { url: 'https://pve1.example.org:8006', auth: token, tls: {} };

function fieldOf(connection: ProxmoxConnection): string | undefined {
  try {
    resolveConnection(connection);
    return undefined;
  } catch (err: unknown) {
    return (err as { field?: string }).field;
  }
}

describe('resolveConnection', () => {
  it('appends /api2/json unless the URL has it, keeping a reverse-proxy prefix', () => {
    assert.equal(resolveConnection(base).basePath, '/api2/json');
    assert.equal(
      resolveConnection({ ...base, url: 'https://pve1:8006/api2/json/' }).basePath,
      '/api2/json',
    );
    assert.equal(
      resolveConnection({ ...base, url: 'https://proxy/pve/' }).basePath,
      '/pve/api2/json',
    );
    assert.equal(resolveConnection(base).origin, 'https://pve1.example.org:8006');
  });

  it('strips the brackets of an IPv6 host for TLS checks', () => {
    assert.equal(
      resolveConnection({ ...base, url: 'https://[fd00::10]:8006' }).hostname,
      'fd00::10',
    );
  });

  it('defaults the timeout to 30 s', () => {
    assert.equal(resolveConnection(base).timeoutMs, 30_000);
  });

  it('names the field of every bad setting', () => {
    assert.equal(fieldOf({ ...base, url: 'pve1:8006' }), 'url');
    assert.equal(fieldOf({ ...base, url: 'http://pve1:8006' }), 'url');
    assert.equal(fieldOf({ ...base, url: 'https://root:pw@pve1:8006' }), 'url');
    assert.equal(fieldOf({ ...base, timeoutMs: 0 }), 'timeoutMs');
    assert.equal(fieldOf({ ...base, auth: { ...token, tokenId: 'slipway@pve' } }), 'auth.tokenId');
    assert.equal(fieldOf({ ...base, auth: { ...token, tokenId: 'slipway!k8s' } }), 'auth.tokenId');
    assert.equal(fieldOf({ ...base, auth: { ...token, secret: '' } }), 'auth.secret');
    assert.equal(
      fieldOf({ ...base, auth: { type: 'password', username: 'root', password: 'x' } }),
      'auth.username',
    );
    assert.equal(
      fieldOf({ ...base, auth: { type: 'password', username: 'root@pam', password: '' } }),
      'auth.password',
    );
    assert.equal(fieldOf({ ...base, tls: { fingerprint: 'AB:CD' } }), 'tls.fingerprint');
    assert.equal(fieldOf({ ...base, tls: { caPem: 'not pem' } }), 'tls.caPem');
    assert.equal(
      fieldOf({ ...base, tls: { insecureSkipVerify: true, fingerprint: 'ab'.repeat(32) } }),
      'tls.insecureSkipVerify',
    );
  });

  it('never puts the secret in a message', () => {
    assert.throws(
      () => resolveConnection({ ...base, auth: { ...token, tokenId: 'bad' } }),
      (err: Error) => !err.message.includes(token.type === 'token' ? token.secret : '?'),
    );
  });
});

describe('normalizeFingerprint', () => {
  it('accepts colons, spaces, lower case and bare hex', () => {
    const expected = Array.from({ length: 32 }, (_, i) =>
      i.toString(16).padStart(2, '0').toUpperCase(),
    ).join(':');
    assert.equal(normalizeFingerprint(expected.toLowerCase()), expected);
    assert.equal(normalizeFingerprint(expected.replace(/:/g, '')), expected);
    assert.equal(normalizeFingerprint(expected.replace(/:/g, ' ')), expected);
  });

  it('says when a fingerprint looks like SHA-1', () => {
    assert.throws(() => normalizeFingerprint('ab'.repeat(20)), /looks like SHA-1/);
  });
});
