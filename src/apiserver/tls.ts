// The serving certificate: self-signed ECDSA P-256, generated on first start into the
// data directory (tls.crt, tls.key with mode 0600) and reused afterwards, renewed when
// it nears expiry or no longer names a requested host. Clients pin it by fingerprint
// or trust tls.crt directly; bring your own with --tls-cert/--tls-key instead.
import { randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type * as X509Module from '@peculiar/x509';
import type { X509Certificate } from '@peculiar/x509';

export interface ServingCertificate {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
  /** SHA-256 of the DER certificate, `AB:CD:…` as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
}

export const certificateFile = 'tls.crt';
export const keyFile = 'tls.key';

const validityDays = 365;
/** Renew on start when less than this remains, so a restart never serves an expiring certificate. */
const renewBeforeDays = 30;
const day = 24 * 60 * 60 * 1000;
const wildcardAddresses = new Set(['0.0.0.0', '::', '']);

// Node's WebCrypto, passed explicitly so no process-wide provider needs registering.
const crypto = webcrypto;

type X509 = typeof X509Module;
let x509Module: Promise<X509> | undefined;

/**
 * @peculiar/x509's dependency injection needs a Reflect metadata polyfill in place
 * before it loads, so it is loaded on first use, after the polyfill, rather than at
 * import time (servers with --insecure-http or their own certificate never load it).
 */
function loadX509(): Promise<X509> {
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}

/** Every name the certificate must carry: loopback, this host's name, and what the caller listens on. */
export function certificateHosts(hosts: readonly string[]): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname()]);
  for (const host of hosts)
    if (!wildcardAddresses.has(host)) names.add(host.replace(/^\[(.*)\]$/, '$1'));
  return [...names];
}

export async function ensureServingCertificate(
  dataDir: string,
  hosts: string[],
  now = new Date(),
): Promise<ServingCertificate> {
  const certPath = join(dataDir, certificateFile);
  const keyPath = join(dataDir, keyFile);
  const wanted = certificateHosts(hosts);
  const x509 = await loadX509();
  const existing = await readExisting(x509, certPath, keyPath);
  if (existing && isUsable(x509, existing.certificate, wanted, now)) {
    // A copied data directory may have lost its permissions; the key must stay private.
    if (((await stat(keyPath)).mode & 0o077) !== 0) await chmod(keyPath, 0o600);
    return {
      cert: existing.cert,
      key: existing.key,
      fingerprint: await fingerprintOf(existing.certificate),
    };
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const generated = await generateSelfSigned(x509, wanted, now);
  // Key first: a certificate must never be on disk without the key that matches it.
  await writeAtomically(keyPath, generated.key, 0o600);
  await writeAtomically(certPath, generated.cert, 0o644);
  return generated;
}

async function readExisting(x509: X509, certPath: string, keyPath: string) {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key, certificate: new x509.X509Certificate(cert) };
  } catch (err: unknown) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

function isUsable(
  x509: X509,
  certificate: X509Certificate,
  wanted: readonly string[],
  now: Date,
): boolean {
  if (certificate.notAfter.getTime() - now.getTime() < renewBeforeDays * day) return false;
  // Made while the clock was wrong: clients would refuse it.
  if (certificate.notBefore.getTime() > now.getTime()) return false;
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const present = new Set(san?.names.items.map((name) => name.value) ?? []);
  return wanted.every((host) => present.has(host));
}

async function fingerprintOf(certificate: X509Certificate): Promise<string> {
  const digest = Buffer.from(await certificate.getThumbprint('SHA-256', crypto));
  return digest.toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

async function generateSelfSigned(
  x509: X509,
  hosts: readonly string[],
  now: Date,
): Promise<ServingCertificate> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial, as RFC 5280 requires
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: 'CN=slipway',
      // An hour of slack for clients whose clocks run a little behind.
      notBefore: new Date(now.getTime() - 60 * 60 * 1000),
      notAfter: new Date(now.getTime() + validityDays * day),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((host) =>
            isIP(host)
              ? { type: 'ip' as const, value: host }
              : { type: 'dns' as const, value: host },
          ),
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${
    pkcs8
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n') ?? ''
  }\n-----END PRIVATE KEY-----\n`;
  return {
    cert: `${certificate.toString('pem')}\n`,
    key,
    fingerprint: await fingerprintOf(certificate),
  };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'wx' });
  await rename(temporary, path);
}
