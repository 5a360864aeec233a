import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CertificateError, createSelfSignedCA, issueCertificate } from './certificates.ts';
import { ipv6Bytes } from './der.ts';
import { loadX509 } from './x509-reader.ts';

const now = new Date();
const caPromise = createSelfSignedCA({ commonName: 'test-ca@1', now, validityDays: 3650 });

test('a serving certificate: SANs, serverAuth, chained to its CA by name and key identifier', async () => {
  const ca = await caPromise;
  const leaf = await issueCertificate({
    ca,
    commonName: 'kube-apiserver',
    usages: ['serverAuth', 'clientAuth'],
    hosts: ['api.example.org', '10.0.0.10', 'fd00::10'],
    now,
    validityDays: 30,
  });
  const certificate = new X509Certificate(leaf.cert);
  const caCertificate = new X509Certificate(ca.cert);
  assert.equal(
    certificate.subjectAltName,
    'DNS:api.example.org, IP Address:10.0.0.10, IP Address:FD00:0:0:0:0:0:0:10',
  );
  assert.deepEqual(certificate.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(certificate.checkIssued(caCertificate));
  assert.ok(certificate.verify(caCertificate.publicKey));
  assert.ok(certificate.checkHost('api.example.org'));
  assert.ok(certificate.checkIP('10.0.0.10'));
  assert.ok(certificate.checkPrivateKey(createPrivateKey(leaf.key)));
  assert.equal(certificate.ca, false);

  const x509 = await loadX509();
  const parsedLeaf = new x509.X509Certificate(leaf.cert);
  const parsedCA = new x509.X509Certificate(ca.cert);
  const aki = parsedLeaf.getExtension(x509.AuthorityKeyIdentifierExtension);
  const ski = parsedCA.getExtension(x509.SubjectKeyIdentifierExtension);
  assert.ok(ski?.keyId);
  assert.equal(aki?.keyId, ski.keyId);
  // The SKI is the SHA-1 of the public key bits, as @peculiar/x509 computes it too.
  const computed = await x509.SubjectKeyIdentifierExtension.create(
    parsedCA.publicKey,
    false,
    globalThis.crypto,
  );
  assert.equal(computed.keyId, ski.keyId);
  assert.equal(parsedLeaf.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assert.equal(parsedLeaf.getExtension(x509.BasicConstraintsExtension)?.critical, true);
  assert.equal(
    parsedLeaf.getExtension(x509.KeyUsagesExtension)?.usages,
    x509.KeyUsageFlags.digitalSignature,
  );
  assert.ok(
    await parsedLeaf.verify({ publicKey: parsedCA.publicKey, date: now }, globalThis.crypto),
  );
  assert.ok(await parsedCA.verify({ date: now }, globalThis.crypto));
});

test('validity: an hour of clock slack before, the requested days after', async () => {
  const ca = await caPromise;
  const certificate = new X509Certificate(ca.cert);
  assert.ok(Math.abs(now.getTime() - 3_600_000 - certificate.validFromDate.getTime()) < 1000);
  assert.ok(Math.abs(now.getTime() + 3650 * 86_400_000 - certificate.validToDate.getTime()) < 1000);
});

test('OpenSSL verifies the chain strictly (RFC 5280 checks)', async (t) => {
  const run = promisify(execFile);
  try {
    await run('openssl', ['version']);
  } catch {
    t.skip('openssl is not installed');
    return;
  }
  const ca = await caPromise;
  const leaf = await issueCertificate({
    ca,
    commonName: 'system:admin',
    organizations: ['system:masters'],
    usages: ['clientAuth'],
    now,
    validityDays: 365,
  });
  const dir = await mkdtemp(join(tmpdir(), 'slipway-certs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.crt'), ca.cert);
  await writeFile(join(dir, 'leaf.crt'), leaf.cert);
  const { stdout } = await run('openssl', [
    'verify',
    '-x509_strict',
    '-purpose',
    'sslclient',
    '-CAfile',
    join(dir, 'ca.crt'),
    join(dir, 'leaf.crt'),
  ]);
  assert.match(stdout, /leaf\.crt: OK/);
  const text = (
    await run('openssl', ['x509', '-in', join(dir, 'leaf.crt'), '-noout', '-subject', '-issuer'])
  ).stdout;
  assert.match(text, /subject=O = system:masters, CN = system:admin/);
  assert.match(text, /issuer=CN = test-ca@1/);
});

test('unreadable CA material is refused without repeating it', async () => {
  const ca = await caPromise;
  const other = await createSelfSignedCA({ commonName: 'other', now, validityDays: 1 });
  const body = ca.key.split('\n')[1] ?? '';
  for (const broken of [
    { cert: 'nope', key: ca.key },
    { cert: ca.cert, key: 'nope' },
    { cert: ca.cert, key: other.key },
  ]) {
    await assert.rejects(
      issueCertificate({
        ca: broken,
        commonName: 'x',
        usages: ['clientAuth'],
        now,
        validityDays: 1,
      }),
      (err: unknown) =>
        err instanceof CertificateError &&
        err.reason === 'InvalidClusterSecret' &&
        !err.message.includes(body),
    );
  }
});

test('IPv6 addresses in every spelling', () => {
  const hex = (address: string) => ipv6Bytes(address).toString('hex');
  assert.equal(hex('::1'), '00000000000000000000000000000001');
  assert.equal(hex('fd00::10'), 'fd000000000000000000000000000010');
  assert.equal(hex('2001:db8:0:0:1:0:0:1'), '20010db8000000000001000000000001');
  assert.equal(hex('::'), '00000000000000000000000000000000');
  assert.equal(hex('::ffff:10.0.0.1'), '00000000000000000000ffff0a000001');
});
