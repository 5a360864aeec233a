import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ProxmoxClient } from './client.ts';
import type { ProxmoxTLS } from './connection.ts';
import { ProxmoxApiError } from './errors.ts';
import { createTestPki, startFakeProxmox, type FakeProxmox, type TestPki } from './test-support.ts';

describe('ProxmoxClient TLS', () => {
  let pki: TestPki;
  let fake: FakeProxmox;
  let wrongName: FakeProxmox;

  before(async () => {
    pki = await createTestPki();
    const answer = () => ({ body: { data: { version: '9.1.3' } } });
    fake = await startFakeProxmox(pki.server, answer);
    wrongName = await startFakeProxmox(pki.wrongName, answer);
  });
  after(() => Promise.all([fake.close(), wrongName.close()]));

  async function versionWith(tls: ProxmoxTLS, url = fake.url): Promise<unknown> {
    const client = new ProxmoxClient(
      { url, auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret: 's3cret-token' }, tls },
      { sleep: () => Promise.resolve() },
    );
    try {
      return await client.get('/version');
    } finally {
      await client.close();
    }
  }

  async function tlsFailure(tls: ProxmoxTLS, url = fake.url): Promise<ProxmoxApiError> {
    const before = fake.requests.length + wrongName.requests.length;
    const err = await versionWith(tls, url).then(
      () => assert.fail('the connection should be refused'),
      (error: unknown) => error,
    );
    assert.ok(err instanceof ProxmoxApiError, String(err));
    assert.equal(err.kind, 'tls');
    assert.equal(err.requestSent, false);
    assert.equal(
      fake.requests.length + wrongName.requests.length,
      before,
      'nothing reached a server',
    );
    return err;
  }

  it('trusts a server signed by the configured CA', async () => {
    assert.deepEqual(await versionWith({ caPem: pki.ca.cert }), { version: '9.1.3' });
  });

  it('rejects a server the configured CA did not sign, naming the fingerprint it saw', async () => {
    const err = await tlsFailure({ caPem: pki.otherCa.cert });
    assert.match(err.message, /^GET \/version: TLS: certificate not trusted \(/);
    assert.ok(err.message.includes(pki.fingerprint), err.message);
    assert.match(err.message, /subject CN=pve1\.test, issuer CN=Proxmox Virtual Environment/);
  });

  it('rejects a name the certificate does not cover, even from the right CA', async () => {
    const err = await tlsFailure({ caPem: pki.ca.cert }, wrongName.url);
    assert.match(err.message, /TLS: certificate is not valid for 127\.0\.0\.1 \(.*altnames.*\)/);
    assert.ok(err.message.includes(new X509Certificate(pki.wrongName.cert).fingerprint256));
  });

  it('without a CA or pin, uses the system trust store (which does not know this CA)', async () => {
    const err = await tlsFailure({});
    assert.match(err.message, /set tls\.caPem to the CA that signed it, or pin its fingerprint/);
    assert.ok(err.message.includes(pki.fingerprint));
  });

  it('accepts a pinned fingerprint in any spelling, without trusting the chain', async () => {
    assert.deepEqual(await versionWith({ fingerprint: pki.fingerprint }), { version: '9.1.3' });
    const bare = pki.fingerprint.replace(/:/g, '').toLowerCase();
    assert.deepEqual(await versionWith({ fingerprint: bare }), { version: '9.1.3' });
    // The pin alone decides: the host name need not match either.
    const pinned = { fingerprint: new X509Certificate(pki.wrongName.cert).fingerprint256 };
    assert.deepEqual(await versionWith(pinned, wrongName.url), { version: '9.1.3' });
  });

  it('rejects a fingerprint mismatch, saying what was expected and what was seen', async () => {
    const expected = 'AB:'.repeat(31) + 'AB';
    const err = await tlsFailure({ fingerprint: expected });
    assert.equal(
      err.message.split(' (subject')[0],
      `GET /version: TLS: certificate fingerprint mismatch: expected SHA-256 ${expected}, ` +
        `the server presented ${pki.fingerprint}`,
    );
  });

  it('with a pin and a CA, both must hold', async () => {
    assert.deepEqual(await versionWith({ fingerprint: pki.fingerprint, caPem: pki.ca.cert }), {
      version: '9.1.3',
    });
    await tlsFailure({ fingerprint: pki.fingerprint, caPem: pki.otherCa.cert });
  });

  it('skips verification only when insecureSkipVerify is true', async () => {
    assert.deepEqual(await versionWith({ insecureSkipVerify: true }), { version: '9.1.3' });
    await tlsFailure({ insecureSkipVerify: false });
  });

  it('is not retried: a certificate does not fix itself', async () => {
    let sleeps = 0;
    const client = new ProxmoxClient(
      {
        url: fake.url,
        auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret: 's3cret-token' },
        tls: { caPem: pki.otherCa.cert },
      },
      { sleep: () => Promise.resolve(void sleeps++) },
    );
    await assert.rejects(client.get('/version'), { kind: 'tls' });
    await client.close();
    assert.equal(sleeps, 0);
  });
});
