// Serving certificates of the simulated clusters: like K3s, each cluster's API presents
// a certificate signed by that cluster's own server CA (the one Slipway generated), so
// a kubeconfig with the cluster's CA data trusts it and no other cluster's.
import {
  X509Certificate,
  createPrivateKey,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509Module from '@peculiar/x509';
import { issueCertificate } from '../../../bootstrap/certificates.ts';

type X509 = typeof X509Module;
type CryptoKey = webcrypto.CryptoKey;
const crypto = webcrypto;

/** Names K3s puts in every serving certificate besides the node's or cluster's own. */
export const k3sServingNames: readonly string[] = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
  '127.0.0.1',
  '10.43.0.1',
];
const day = 24 * 60 * 60 * 1000;

let x509Module: Promise<X509> | undefined;

/**
 * @peculiar/x509 needs the Reflect metadata polyfill loaded first, so it is loaded on
 * first use (as in src/apiserver/tls.ts) rather than at import time.
 */
export function loadX509(): Promise<X509> {
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}

export interface IssuedCertificate {
  /** PEM: the leaf, then any intermediates of the issuing CA bundle. */
  cert: string;
  /** PEM PKCS#8. */
  key: string;
}

/** The WebCrypto algorithm to sign with for a CA key of any type K3s or Slipway makes. */
function signingAlgorithm(key: KeyObject): {
  importAs: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
} {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = details.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
      const hash = curve === 'P-384' ? 'SHA-384' : 'SHA-256';
      return {
        importAs: { name: 'ECDSA', namedCurve: curve },
        sign: { name: 'ECDSA', hash },
      };
    }
    case 'rsa':
      return {
        importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      };
    case 'ed25519':
      return { importAs: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
    default:
      throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

export function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END ${label}-----\n`;
}

export function serialNumber(): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive, as RFC 5280 requires
  return serial.toString('hex');
}

/** The issuer's subject key identifier, so chain building matches the right CA. */
async function authorityKeyIdentifier(x509: X509, ca: X509Module.X509Certificate) {
  const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId, false);
  return x509.AuthorityKeyIdentifierExtension.create(ca.publicKey, false, crypto);
}

/** Intermediates of a CA bundle follow the leaf; a self-signed root is never sent. */
function intermediatesOf(blocks: readonly string[]): string[] {
  return blocks.filter((block) => {
    const cert = new X509Certificate(block);
    return cert.subject !== cert.issuer;
  });
}

/**
 * Issue a serving certificate for `names` (DNS names and IP addresses), signed by the
 * CA whose PEM certificate (first block of the bundle) and key are given.
 */
export async function issueServingCertificate(input: {
  caCert: string;
  caKey: string;
  commonName: string;
  names: readonly string[];
  now?: Date;
  validityDays?: number;
}): Promise<IssuedCertificate> {
  const now = input.now ?? new Date();
  const blocks = pemBlocks(input.caCert);
  const caPem = blocks[0];
  if (!caPem) throw new Error('the server CA bundle holds no certificate');
  const caKeyObject = createPrivateKey(input.caKey);
  if (
    caKeyObject.asymmetricKeyType === 'ec' &&
    caKeyObject.asymmetricKeyDetails?.namedCurve === 'prime256v1'
  ) {
    // The CAs Slipway generates: DER-encoded and signed with node:crypto, as the
    // bootstrap provider does (under 1 ms instead of about 7 ms with @peculiar/x509,
    // which at a thousand clusters was 7 s of the fleet's CPU).
    const issued = await issueCertificate({
      ca: { cert: caPem, key: input.caKey },
      commonName: input.commonName,
      usages: ['serverAuth'],
      hosts: input.names,
      now,
      validityDays: input.validityDays ?? 365,
    });
    const cert = [issued.cert.trimEnd(), ...intermediatesOf(blocks)].join('\n') + '\n';
    return { cert, key: issued.key };
  }
  const x509 = await loadX509();
  const ca = new x509.X509Certificate(caPem);
  const algorithm = signingAlgorithm(caKeyObject);
  const signingKey: CryptoKey = caKeyObject.toCryptoKey(algorithm.importAs, false, ['sign']);
  const leafAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await crypto.subtle.generateKey(leafAlgorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: `CN=${input.commonName}`,
      issuer: ca.subject,
      notBefore: new Date(now.getTime() - 60 * 60 * 1000),
      notAfter: new Date(now.getTime() + (input.validityDays ?? 365) * day),
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: algorithm.sign,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          input.names.map((name) =>
            isIP(name)
              ? { type: 'ip' as const, value: name }
              : { type: 'dns' as const, value: name },
          ),
        ),
        await authorityKeyIdentifier(x509, ca),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: [certificate.toString('pem'), ...intermediatesOf(blocks)].join('\n') + '\n',
    key: toPem('PRIVATE KEY', pkcs8),
  };
}

/** A throwaway self-signed certificate, for connections that name no cluster. */
export async function createSelfSignedCertificate(
  commonName: string,
  names: readonly string[],
  now = new Date(),
): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${commonName}`,
      notBefore: new Date(now.getTime() - 60 * 60 * 1000),
      notAfter: new Date(now.getTime() + 365 * day),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.SubjectAlternativeNameExtension(
          names.map((name) =>
            isIP(name)
              ? { type: 'ip' as const, value: name }
              : { type: 'dns' as const, value: name },
          ),
        ),
      ],
    },
    crypto,
  );
  return {
    cert: `${certificate.toString('pem')}\n`,
    key: toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}
