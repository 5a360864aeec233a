// X.509 building blocks for bootstrap providers: self-signed CAs and the certificates
// they sign, ECDSA P-256 keys from WebCrypto, written as the PEM that Go's crypto/x509
// and Kubernetes' keyutil read. Certificates are DER-encoded by der.ts (see there why
// not @peculiar/x509's generator) and signed with node:crypto.
//
// Private keys are written as SEC1 ("EC PRIVATE KEY"), the form K3s and kubeadm write
// themselves. PKCS#8 ("PRIVATE KEY") would do for the CA keys, but kube-apiserver reads
// the service-account key file with keyutil.ParsePublicKeysPEM, which for EC keys only
// understands SEC1: a PKCS#8 `service.key` would be rejected as "no valid RSA or ECDSA
// public keys". One format for every key keeps that trap closed.
import {
  KeyObject,
  X509Certificate,
  createHash,
  createPrivateKey,
  randomBytes,
  sign,
  type webcrypto,
} from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  derChildren,
  explicit,
  ipv6Bytes,
  namedBits,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './der.ts';
import { BootstrapError } from './errors.ts';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const day = 24 * 60 * 60 * 1000;
/** Slack for machines whose clocks run a little behind the controller's. */
const clockSkew = 60 * 60 * 1000;

const oid = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** RFC 5280 KeyUsage bit numbers. */
const keyUsageBit = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** A certificate and its private key, both PEM, each ending in one newline. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

/** Thrown for unreadable stored certificates or keys; never carries them (keys are secret). */
export class CertificateError extends BootstrapError {
  constructor(message: string) {
    super('InvalidClusterSecret', message);
    this.name = 'CertificateError';
  }
}

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

/** SEC1 PEM ("EC PRIVATE KEY") of a WebCrypto private key. */
export function privateKeyToPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'sec1', format: 'pem' }).toString();
}

function readPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new CertificateError('the private key is not valid PEM');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CertificateError('the private key is not an ECDSA P-256 key');
  }
  return key;
}

/** A random positive serial whose DER encoding is minimal (first byte 0x40–0x7f). */
function newSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial;
}

function name(organizations: readonly string[], commonName: string): Buffer {
  const attribute = (type: string, value: string) =>
    set(sequence(objectIdentifier(type), utf8String(value)));
  return sequence(
    ...organizations.map((o) => attribute(oid.organization, o)),
    attribute(oid.commonName, commonName),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** SubjectPublicKeyInfo header of every P-256 key (id-ecPublicKey, prime256v1). */
const p256SPKIPrefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/**
 * The uncompressed point of a P-256 public key. Taken from its JWK, which costs a third
 * of an SPKI export (OpenSSL's encoder lookup dominates that).
 */
function publicPoint(key: KeyObject): Buffer {
  const { x, y } = key.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(x ?? '', 'base64url'),
    Buffer.from(y ?? '', 'base64url'),
  ]);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(point: Buffer): Buffer {
  return createHash('sha1').update(point).digest();
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

interface CertificateFields {
  issuer: Buffer;
  subject: Buffer;
  /** Uncompressed P-256 point of the subject's key. */
  subjectPublicKey: Buffer;
  signingKey: KeyObject;
  now: Date;
  validityDays: number;
  extensions: Buffer[];
}

function signCertificate(fields: CertificateFields): string {
  const signatureAlgorithm = sequence(objectIdentifier(oid.ecdsaWithSHA256));
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(newSerial()),
    signatureAlgorithm,
    fields.issuer,
    sequence(
      time(new Date(fields.now.getTime() - clockSkew)),
      time(new Date(fields.now.getTime() + fields.validityDays * day)),
    ),
    fields.subject,
    Buffer.concat([p256SPKIPrefix, fields.subjectPublicKey]),
    explicit(3, sequence(...fields.extensions)),
  );
  const signature = sign('sha256', tbs, { key: fields.signingKey, dsaEncoding: 'der' });
  return pem(sequence(tbs, signatureAlgorithm, bitString(signature)));
}

/**
 * A self-signed CA: critical basic constraints CA=true, critical key usage certSign +
 * cRLSign + digitalSignature, subject key identifier, ECDSA P-256 with SHA-256.
 *
 * @example
 * const ca = await createSelfSignedCA({ commonName: 'k3s-server-ca@1700000000', now, validityDays: 3650 });
 */
export async function createSelfSignedCA(options: {
  commonName: string;
  now: Date;
  validityDays: number;
}): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const privateKey = KeyObject.from(keys.privateKey);
  const publicKey = publicPoint(KeyObject.from(keys.publicKey));
  const subject = name([], options.commonName);
  const cert = signCertificate({
    issuer: subject,
    subject,
    subjectPublicKey: publicKey,
    signingKey: privateKey,
    now: options.now,
    validityDays: options.validityDays,
    extensions: [
      extension(oid.basicConstraints, true, sequence(boolean(true))),
      extension(
        oid.keyUsage,
        true,
        namedBits([keyUsageBit.digitalSignature, keyUsageBit.keyCertSign, keyUsageBit.cRLSign]),
      ),
      extension(oid.subjectKeyIdentifier, false, octetString(keyIdentifier(publicKey))),
    ],
  });
  return { cert, key: privateKeyToPem(keys.privateKey) };
}

export type CertificateUsage = 'clientAuth' | 'serverAuth';

function subjectAltName(hosts: readonly string[]): Buffer {
  return sequence(
    ...hosts.map((host) => {
      if (isIP(host) === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
      if (isIP(host) === 6) return tlv(0x87, ipv6Bytes(host));
      return tlv(0x82, Buffer.from(host, 'ascii'));
    }),
  );
}

/**
 * A leaf certificate with a new key, signed by `ca`: client (EKU clientAuth), serving
 * (serverAuth, with `hosts` as subject alternative names) or both. The issuer is the CA
 * certificate's subject byte for byte, so Go's chain building finds the parent.
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
  let caCertificate: X509Certificate;
  try {
    caCertificate = new X509Certificate(options.ca.cert);
  } catch {
    throw new CertificateError('the CA certificate is not valid PEM');
  }
  const caKey = readPrivateKey(options.ca.key);
  if (!caCertificate.checkPrivateKey(caKey)) {
    throw new CertificateError('the CA private key does not belong to the CA certificate');
  }
  const keys = await generateKeyPair();
  const publicKey = publicPoint(KeyObject.from(keys.publicKey));
  const extensions = [
    extension(oid.basicConstraints, true, sequence()),
    extension(oid.keyUsage, true, namedBits([keyUsageBit.digitalSignature])),
    extension(
      oid.extKeyUsage,
      false,
      sequence(...options.usages.map((usage) => objectIdentifier(oid[usage]))),
    ),
    extension(
      oid.authorityKeyIdentifier,
      false,
      sequence(tlv(0x80, keyIdentifier(publicPoint(caCertificate.publicKey)))),
    ),
    extension(oid.subjectKeyIdentifier, false, octetString(keyIdentifier(publicKey))),
  ];
  if (options.hosts && options.hosts.length > 0) {
    extensions.push(extension(oid.subjectAltName, false, subjectAltName(options.hosts)));
  }
  const cert = signCertificate({
    issuer: issuerOf(caCertificate),
    subject: name(options.organizations ?? [], options.commonName),
    subjectPublicKey: publicKey,
    signingKey: caKey,
    now: options.now,
    validityDays: options.validityDays,
    extensions,
  });
  return { cert, key: privateKeyToPem(keys.privateKey) };
}

/** The DER of a certificate's subject Name, read from its raw bytes. */
function issuerOf(certificate: X509Certificate): Buffer {
  // Certificate → TBSCertificate → [version, serial, signature, issuer, validity, subject, …]
  const tbs = derChildren(derChildren(certificate.raw)[0] ?? Buffer.alloc(0));
  const subject = tbs[5];
  if (!subject) throw new CertificateError('the CA certificate has no subject');
  return subject;
}
