import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { loadX509 } from '../x509-reader.ts';
import {
  K3sPKIFiles,
  adminCertificateFor,
  caValidityDays,
  generateK3sPKI,
  k3sCAs,
  k3sServerTLSFiles,
} from './pki.ts';

const now = new Date('2026-03-01T12:00:00Z');
const day = 86_400_000;
const pkiPromise = generateK3sPKI(now);

test('the PKI holds every file K3s accepts as a custom CA file, plus the admin pair', async () => {
  const pki = await pkiPromise;
  assert.deepEqual(Object.keys(pki).sort(), [
    'client-admin.crt',
    'client-admin.key',
    'client-ca.crt',
    'client-ca.key',
    'etcd/peer-ca.crt',
    'etcd/peer-ca.key',
    'etcd/server-ca.crt',
    'etcd/server-ca.key',
    'request-header-ca.crt',
    'request-header-ca.key',
    'server-ca.crt',
    'server-ca.key',
    'service.key',
  ]);
  assert.deepEqual(k3sServerTLSFiles, [
    'server-ca.crt',
    'server-ca.key',
    'client-ca.crt',
    'client-ca.key',
    'request-header-ca.crt',
    'request-header-ca.key',
    'etcd/server-ca.crt',
    'etcd/server-ca.key',
    'etcd/peer-ca.crt',
    'etcd/peer-ca.key',
    'service.key',
  ]);
});

test('each CA is self-signed, a CA, K3s-named, ten years, and matches its own key', async () => {
  const pki = await pkiPromise;
  const timestamp = Math.floor(now.getTime() / 1000);
  const serials = new Set<string>();
  for (const { name, prefix } of k3sCAs) {
    const cert = pki[`${name}.crt`] ?? '';
    const key = pki[`${name}.key`] ?? '';
    const certificate = new X509Certificate(cert);
    assert.equal(certificate.subject, `CN=${prefix}-ca@${timestamp}`, name);
    assert.equal(certificate.issuer, certificate.subject, name);
    assert.equal(certificate.ca, true, name);
    assert.ok(certificate.checkIssued(certificate), name);
    assert.ok(certificate.verify(certificate.publicKey), `${name} verifies with its own key`);
    assert.ok(certificate.checkPrivateKey(createPrivateKey(key)), `${name}.key matches`);
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const lifetime = certificate.validToDate.getTime() - now.getTime();
    assert.ok(Math.abs(lifetime - caValidityDays * day) < 60_000, `${name} lasts ten years`);
    assert.ok(certificate.validFromDate.getTime() <= now.getTime());
    // SEC1, as K3s writes its own keys; one PEM block ending in a newline.
    assert.match(key, /^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----\n$/);
    assert.match(cert, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    serials.add(certificate.serialNumber);
  }
  assert.equal(serials.size, k3sCAs.length);
});

test('CA extensions: critical CA basic constraints and certificate-signing key usage', async () => {
  const pki = await pkiPromise;
  const x509 = await loadX509();
  for (const { name } of k3sCAs) {
    const certificate = new x509.X509Certificate(pki[`${name}.crt`] ?? '');
    const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
    assert.equal(constraints?.ca, true, name);
    assert.equal(constraints?.critical, true, name);
    const usage = certificate.getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.critical, true, name);
    const flags = x509.KeyUsageFlags;
    assert.equal(usage?.usages, flags.keyCertSign | flags.cRLSign | flags.digitalSignature, name);
    assert.ok(certificate.getExtension(x509.SubjectKeyIdentifierExtension), name);
  }
});

test('service.key is an ECDSA P-256 SEC1 key with no certificate', async () => {
  const pki = await pkiPromise;
  const key = pki[K3sPKIFiles.serviceKey] ?? '';
  assert.match(key, /^-----BEGIN EC PRIVATE KEY-----\n/);
  const privateKey = createPrivateKey(key);
  assert.equal(privateKey.asymmetricKeyType, 'ec');
  assert.equal(privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const signature = sign('sha256', Buffer.from('token'), privateKey);
  assert.ok(verify('sha256', Buffer.from('token'), createPublicKey(privateKey), signature));
  assert.equal(pki['service.crt'], undefined);
});

test('every key is different', async () => {
  const pki = await pkiPromise;
  const keys = Object.entries(pki)
    .filter(([name]) => name.endsWith('.key'))
    .map(([, pem]) => pem);
  assert.equal(new Set(keys).size, keys.length);
});

test('the admin certificate: system:admin in system:masters, clientAuth, signed by client-ca', async () => {
  const pki = await pkiPromise;
  const admin = new X509Certificate(pki[K3sPKIFiles.adminCert] ?? '');
  const clientCA = new X509Certificate(pki['client-ca.crt'] ?? '');
  const serverCA = new X509Certificate(pki['server-ca.crt'] ?? '');
  assert.match(admin.subject, /^O=system:masters\nCN=system:admin$/);
  assert.equal(admin.ca, false);
  assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.ok(admin.checkIssued(clientCA));
  assert.ok(admin.verify(clientCA.publicKey));
  assert.ok(!admin.verify(serverCA.publicKey));
  assert.ok(admin.checkPrivateKey(createPrivateKey(pki[K3sPKIFiles.adminKey] ?? '')));
});

test('the stored admin certificate is reused until 90 days before it expires', async () => {
  const pki = await pkiPromise;
  const stored = await adminCertificateFor(pki, new Date(now.getTime() + 200 * day));
  assert.equal(stored.cert, pki[K3sPKIFiles.adminCert]);
  const later = new Date(now.getTime() + 300 * day);
  const renewed = await adminCertificateFor(pki, later);
  assert.notEqual(renewed.cert, pki[K3sPKIFiles.adminCert]);
  const certificate = new X509Certificate(renewed.cert);
  assert.ok(certificate.verify(new X509Certificate(pki['client-ca.crt'] ?? '').publicKey));
  assert.ok(certificate.validToDate.getTime() > later.getTime() + 300 * day);
  assert.ok(certificate.checkPrivateKey(createPrivateKey(renewed.key)));
});

test('an admin certificate from another client CA is not reused', async () => {
  const pki = await pkiPromise;
  const other = await generateK3sPKI(now);
  const mixed: Record<string, string> = {
    ...pki,
    'client-admin.crt': other['client-admin.crt'] ?? '',
    'client-admin.key': other['client-admin.key'] ?? '',
  };
  const admin = await adminCertificateFor(mixed, now);
  assert.ok(
    new X509Certificate(admin.cert).verify(
      new X509Certificate(pki['client-ca.crt'] ?? '').publicKey,
    ),
  );
});
