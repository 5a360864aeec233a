import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bearerTokenAuthenticator } from './authn.ts';
import { buildApiServer } from './server.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { ensureServingCertificate } from './tls.ts';
import { Agent, request, type Dispatcher } from 'undici';

describe('ensureServingCertificate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-tls-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('generates a self-signed ECDSA P-256 certificate with the right names, key 0600', async () => {
    const generated = await ensureServingCertificate(dir, [
      'slipway.example.com',
      '10.1.2.3',
      '0.0.0.0',
    ]);
    const cert = new X509Certificate(generated.cert);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.equal(cert.ca, false);
    const san = String(cert.subjectAltName);
    for (const name of [
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
      'DNS:slipway.example.com',
      'IP Address:10.1.2.3',
    ]) {
      assert.ok(san.includes(name), `${name} in ${san}`);
    }
    assert.ok(!san.includes('0.0.0.0'), 'wildcard bind addresses are not names');
    assert.ok(cert.checkHost('localhost'));
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 300 * 24 * 3600 * 1000);
    assert.equal(generated.fingerprint, cert.fingerprint256);
    assert.equal((await stat(join(dir, 'tls.key'))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dir, 'tls.crt'), 'utf8'), generated.cert);
    assert.equal(await readFile(join(dir, 'tls.key'), 'utf8'), generated.key);
  });

  it('reuses the files on the next start', async () => {
    const first = await ensureServingCertificate(dir, ['slipway.example.com']);
    await chmod(join(dir, 'tls.key'), 0o644);
    const second = await ensureServingCertificate(dir, ['10.1.2.3']);
    assert.equal(second.fingerprint, first.fingerprint);
    assert.equal(second.key, first.key);
    assert.equal(
      (await stat(join(dir, 'tls.key'))).mode & 0o777,
      0o600,
      'permissions are restored',
    );
  });

  it('renews when a new host is asked for or expiry is near', async () => {
    const first = await ensureServingCertificate(dir, []);
    const newHost = await ensureServingCertificate(dir, ['other.example.com']);
    assert.notEqual(newHost.fingerprint, first.fingerprint);
    const later = new Date(Date.now() + 340 * 24 * 3600 * 1000);
    const renewed = await ensureServingCertificate(dir, ['other.example.com'], later);
    assert.notEqual(renewed.fingerprint, newHost.fingerprint);
  });

  it('serves HTTPS that a client trusting tls.crt accepts', async () => {
    const tls = await ensureServingCertificate(dir, []);
    const store = await openSqliteStore({ dataDir: dir });
    const app = await buildApiServer({
      store,
      authenticate: bearerTokenAuthenticator('t'),
      https: { cert: tls.cert, key: tls.key },
    });
    const dispatcher = new Agent({ connect: { ca: tls.cert } });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      assert.ok(typeof address === 'object' && address !== null);
      for (const host of ['127.0.0.1', 'localhost']) {
        const res: Dispatcher.ResponseData = await request(
          `https://${host}:${address.port}/healthz`,
          { dispatcher },
        );
        assert.equal(res.statusCode, 200);
        assert.equal(await res.body.text(), 'ok');
      }
      const untrusted = request(`https://127.0.0.1:${address.port}/healthz`);
      await assert.rejects(untrusted, /self-signed|certificate/i);
    } finally {
      await dispatcher.close();
      await app.close();
      await store.close();
    }
  });
});
