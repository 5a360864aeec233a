// X.509 building blocks for bootstrap providers: self-signed CAs and certificates they
// sign, ECDSA P-256 keys from WebCrypto, written as the PEM that Go's crypto/x509 and
// Kubernetes' keyutil read.
//
// Private keys are written as SEC1 ("EC PRIVATE KEY"), the form K3s and kubeadm write
// themselves. PKCS#8 ("PRIVATE KEY") would do for the CA keys, but kube-apiserver reads
// the service-account key file with keyutil.ParsePublicKeysPEM, which for EC keys only
// understands SEC1: a PKCS#8 `service.key` would be rejected as "no valid RSA or ECDSA
// public keys". One format for every key keeps that trap closed.
import {
  KeyObject,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  type webcrypto,
} from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509Module from '@peculiar/x509';
import { BootstrapError } from './errors.ts';

type X509 = typeof X509Module;
let x509Module: Promise<X509> | undefined;

/**
 * @peculiar/x509 needs the Reflect metadata polyfill in place before it loads, so it is
 * loaded on first use, after the polyfill (as src/apiserver/tls.ts does).
 */
export function loadX509(): Promise<X509> {
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const crypto = globalThis.crypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const day = 24 * 60 * 60 * 1000;
/** Slack for machines whose clocks run a little behind the controller's. */
const clockSkew = 60 * 60 * 1000;

/** A certificate and its private key, both PEM, each ending in one newline. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

/** Thrown for malformed PEM input; never carries the input, which may be a private key. */
export class CertificateError extends BootstrapError {
  constructor(message: string) {
    super('InvalidClusterSecret', message);
    this.name = 'CertificateError';
  }
}

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

/** SEC1 PEM ("EC PRIVATE KEY") of a WebCrypto private key. */
export function privateKeyToPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'sec1', format: 'pem' }).toString();
}

/** A private key PEM (SEC1 or PKCS#8, ECDSA P-256) as a WebCrypto signing key. */
export async function importSigningKey(pem: string): Promise<CryptoKey> {
  let der: Buffer;
  try {
    der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  } catch {
    throw new CertificateError('the private key is not valid PEM');
  }
  try {
    return await crypto.subtle.importKey('pkcs8', der, ecdsa, false, ['sign']);
  } catch {
    throw new CertificateError('the private key is not an ECDSA P-256 key');
  }
}

/** The public half of a private key PEM, as a WebCrypto key. */
async function importPublicKey(privateKeyPem: string): Promise<CryptoKey> {
  const spki = createPublicKey(createPrivateKey(privateKeyPem)).export({
    type: 'spki',
    format: 'der',
  });
  return crypto.subtle.importKey('spki', spki, ecdsa, true, ['verify']);
}

/** A random positive serial whose DER encoding is minimal (first byte 0x40–0x7f). */
function newSerial(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial.toString('hex');
}

function pemOf(certificate: X509Module.X509Certificate): string {
  return `${certificate.toString('pem').trimEnd()}\n`;
}

/**
 * A self-signed CA: critical basic constraints CA=true, key usage certSign + cRLSign +
 * digitalSignature, subject key identifier, ECDSA P-256 with SHA-256.
 *
 * @example
 * const ca = await createSelfSignedCA({ commonName: 'k3s-server-ca@1700000000', now, validityDays: 3650 });
 */
export async function createSelfSignedCA(options: {
  commonName: string;
  now: Date;
  validityDays: number;
}): Promise<CertificateAndKey> {
  const x509 = await loadX509();
  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: newSerial(),
      name: [{ CN: [options.commonName] }],
      notBefore: new Date(options.now.getTime() - clockSkew),
      notAfter: new Date(options.now.getTime() + options.validityDays * day),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign |
            x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: pemOf(certificate), key: privateKeyToPem(keys.privateKey) };
}

export type CertificateUsage = 'clientAuth' | 'serverAuth';

/**
 * A leaf certificate with a new key, signed by `ca`: client (EKU clientAuth), serving
 * (serverAuth, with the names in the subject alternative name) or both. The issuer is
 * the CA certificate's subject taken byte for byte, so Go's chain building finds the
 * parent.
 *
 * @example
 * const admin = await issueCertificate({ ca, commonName: 'system:admin',
 *   organizations: ['system:masters'], usages: ['clientAuth'], now, validityDays: 365 });
 */
export async function issueCertificate(options: {
  ca: CertificateAndKey;
  commonName: string;
  organizations?: readonly string[];
  usages: readonly CertificateUsage[];
  /** DNS names and IP addresses for the subject alternative name (serving certificates). */
  hosts?: readonly string[];
  now: Date;
  validityDays: number;
}): Promise<CertificateAndKey> {
  const x509 = await loadX509();
  let caCertificate: X509Module.X509Certificate;
  try {
    caCertificate = new x509.X509Certificate(options.ca.cert);
  } catch {
    throw new CertificateError('the CA certificate is not valid PEM');
  }
  const signingKey = await importSigningKey(options.ca.key);
  const caPublicKey = await importPublicKey(options.ca.key);
  const keys = await generateKeyPair();
  const subject: X509Module.JsonName = [
    ...(options.organizations ?? []).map((o) => ({ O: [o] })),
    { CN: [options.commonName] },
  ];
  const extensions: X509Module.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(options.usages.map((usage) => x509.ExtendedKeyUsage[usage])),
    await x509.AuthorityKeyIdentifierExtension.create(caPublicKey, false, crypto),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
  ];
  if (options.hosts && options.hosts.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.hosts.map((host) =>
          isIP(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host },
        ),
      ),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: newSerial(),
      subject,
      issuer: caCertificate.subjectName,
      notBefore: new Date(options.now.getTime() - clockSkew),
      notAfter: new Date(options.now.getTime() + options.validityDays * day),
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm,
      extensions,
    },
    crypto,
  );
  return { cert: pemOf(certificate), key: privateKeyToPem(keys.privateKey) };
}
