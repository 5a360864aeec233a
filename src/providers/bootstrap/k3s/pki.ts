// The cluster PKI Slipway owns for a K3s cluster: the CA set and service-account key
// that K3s accepts as custom CA files when the first server starts for the first time
// (k3s pkg/daemons/control/deps/deps.go: a pair that exists is used, a missing pair is
// generated), plus the admin client certificate behind the kubeconfig.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  createSelfSignedCA,
  generateKeyPair,
  issueCertificate,
  privateKeyToPem,
  type CertificateAndKey,
} from '../certificates.ts';
import { BootstrapError } from '../errors.ts';

/** The directory K3s reads its CA files from, on the first server. */
export const k3sTLSDir = '/var/lib/rancher/k3s/server/tls';

/**
 * The CA pairs K3s accepts as custom CA files, by `pki` key (the path under
 * {@link k3sTLSDir}) and the K3s-style common-name prefix K3s itself would use.
 */
export const k3sCAs = [
  { name: 'server-ca', prefix: 'k3s-server' },
  { name: 'client-ca', prefix: 'k3s-client' },
  { name: 'request-header-ca', prefix: 'k3s-request-header' },
  { name: 'etcd/server-ca', prefix: 'etcd-server' },
  { name: 'etcd/peer-ca', prefix: 'etcd-peer' },
] as const;

/** `pki` keys of files that matter by name elsewhere. */
export const K3sPKIFiles = {
  serverCACert: 'server-ca.crt',
  serverCAKey: 'server-ca.key',
  clientCACert: 'client-ca.crt',
  clientCAKey: 'client-ca.key',
  /** Service-account signing key; K3s wants no certificate for it. */
  serviceKey: 'service.key',
  /** Admin client certificate behind the kubeconfig (K3s's own name for it); never written to a node. */
  adminCert: 'client-admin.crt',
  adminKey: 'client-admin.key',
} as const;

/** Every `pki` key that goes to the first server, in the order it is written. */
export const k3sServerTLSFiles: readonly string[] = [
  ...k3sCAs.flatMap(({ name }) => [`${name}.crt`, `${name}.key`]),
  K3sPKIFiles.serviceKey,
];

/** K3s's CA lifetime (dynamiclistener NewSelfSignedCACert): ten years. */
export const caValidityDays = 3650;
/** K3s's client-certificate lifetime: one year. */
export const adminValidityDays = 365;
/** K3s renews a certificate that expires within this many days (config.CertificateRenewDays). */
export const renewBeforeDays = 90;

export const adminCommonName = 'system:admin';
export const adminOrganization = 'system:masters';

/**
 * A new CA set, service-account key and admin client certificate, keyed by file name as
 * K3s expects them under {@link k3sTLSDir} (`server-ca.crt`, `etcd/peer-ca.key`, …).
 * Every key is ECDSA P-256 in SEC1 PEM, as K3s generates its own.
 */
export async function generateK3sPKI(now: Date): Promise<Record<string, string>> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const cas = await Promise.all(
    k3sCAs.map(({ prefix }) =>
      createSelfSignedCA({
        commonName: `${prefix}-ca@${timestamp}`,
        now,
        validityDays: caValidityDays,
      }),
    ),
  );
  const pki: Record<string, string> = {};
  k3sCAs.forEach(({ name }, index) => {
    const ca = cas[index];
    if (!ca) throw new Error(`internal error: CA ${name} was not generated`);
    pki[`${name}.crt`] = ca.cert;
    pki[`${name}.key`] = ca.key;
  });
  pki[K3sPKIFiles.serviceKey] = privateKeyToPem((await generateKeyPair()).privateKey);
  const admin = await issueAdminCertificate(pki, now);
  pki[K3sPKIFiles.adminCert] = admin.cert;
  pki[K3sPKIFiles.adminKey] = admin.key;
  return pki;
}

/** The pair stored under `name.crt` / `name.key`, or an error naming (only) the files. */
export function caPair(pki: Readonly<Record<string, string>>, name: string): CertificateAndKey {
  const cert = pki[`${name}.crt`];
  const key = pki[`${name}.key`];
  if (!cert || !key) {
    throw new BootstrapError(
      'MissingClusterSecret',
      `the cluster PKI lacks ${name}.crt or ${name}.key`,
    );
  }
  return { cert, key };
}

/** A new admin client certificate (O=system:masters, clientAuth), signed by client-ca. */
export function issueAdminCertificate(
  pki: Readonly<Record<string, string>>,
  now: Date,
): Promise<CertificateAndKey> {
  return issueCertificate({
    ca: caPair(pki, 'client-ca'),
    commonName: adminCommonName,
    organizations: [adminOrganization],
    usages: ['clientAuth'],
    now,
    validityDays: adminValidityDays,
  });
}

/**
 * The stored admin certificate while it is still good for more than
 * {@link renewBeforeDays} and matches client-ca; otherwise a new one (not stored: the
 * contract hands back only the kubeconfig).
 */
export async function adminCertificateFor(
  pki: Readonly<Record<string, string>>,
  now: Date,
): Promise<CertificateAndKey> {
  const cert = pki[K3sPKIFiles.adminCert];
  const key = pki[K3sPKIFiles.adminKey];
  if (cert && key && isCurrent(cert, key, caPair(pki, 'client-ca').cert, now)) {
    return { cert, key };
  }
  return issueAdminCertificate(pki, now);
}

function isCurrent(cert: string, key: string, caCert: string, now: Date): boolean {
  try {
    const certificate = new X509Certificate(cert);
    const ca = new X509Certificate(caCert);
    const renewAt = new Date(certificate.validTo).getTime() - renewBeforeDays * 86_400_000;
    return (
      now.getTime() < renewAt &&
      certificate.checkIssued(ca) &&
      certificate.verify(ca.publicKey) &&
      certificate.checkPrivateKey(createPrivateKey(key))
    );
  } catch {
    return false;
  }
}
