// Test support: a K3s-like PKI for one simulated cluster (server CA, client CA, an
// admin client certificate with O=system:masters) and its admin kubeconfig, made here
// so the tests do not depend on the bootstrap provider.
import { webcrypto } from 'node:crypto';
import { stringify } from 'yaml';
import type { SimClusterInit, SimNode } from '../child-cluster-types.ts';
import { simClusterId } from './names.ts';
import { loadX509, serialNumber, toPem } from './serving-cert.ts';

const crypto = webcrypto;
const day = 24 * 60 * 60 * 1000;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' };
const signing = { name: 'ECDSA', hash: 'SHA-256' };

export interface TestKeyPair {
  cert: string;
  key: string;
}

export interface TestClusterPki {
  init: SimClusterInit;
  serverCA: TestKeyPair;
  clientCA: TestKeyPair;
  /** CN=system:admin, O=system:masters, signed by the client CA. */
  admin: TestKeyPair;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', key));
}

/** A self-signed CA, as K3s makes them (`k3s-server-ca@<unix seconds>`). */
export async function makeTestCA(commonName: string, now = new Date()): Promise<TestKeyPair> {
  const x509 = await loadX509();
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${commonName}@${Math.floor(now.getTime() / 1000)}`,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 3650 * day),
      keys,
      signingAlgorithm: signing,
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
  return { cert: `${cert.toString('pem')}\n`, key: await pkcs8Pem(keys.privateKey) };
}

/** A client certificate signed by `ca`. */
export async function makeTestClientCert(
  ca: TestKeyPair,
  subject: string,
  now = new Date(),
): Promise<TestKeyPair> {
  const x509 = await loadX509();
  const issuer = new x509.X509Certificate(ca.cert);
  const caKey = await crypto.subtle.importKey(
    'pkcs8',
    Buffer.from(ca.key.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    ecdsa,
    false,
    ['sign'],
  );
  const keys = await keyPair();
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject,
      issuer: issuer.subject,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 365 * day),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: signing,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        ...(ski ? [new x509.AuthorityKeyIdentifierExtension(ski.keyId, false)] : []),
      ],
    },
    crypto,
  );
  return { cert: `${cert.toString('pem')}\n`, key: await pkcs8Pem(keys.privateKey) };
}

/** The PKI and registry record of a test cluster `namespace/name`. */
export async function makeTestClusterPki(
  namespace: string,
  name: string,
  version = 'v1.31.4+k3s1',
): Promise<TestClusterPki> {
  const serverCA = await makeTestCA('k3s-server-ca');
  const clientCA = await makeTestCA('k3s-client-ca');
  const admin = await makeTestClientCert(clientCA, 'CN=system:admin, O=system:masters');
  return {
    init: {
      id: simClusterId(namespace, name),
      serverCA,
      clientCA: { cert: clientCA.cert },
      tokenPassword: 'test-password',
      version,
    },
    serverCA,
    clientCA,
    admin,
  };
}

/** An admin kubeconfig as Slipway hands it out for a simulated cluster. */
export function renderTestKubeconfig(input: {
  name: string;
  server: string;
  tlsServerName?: string;
  caCert: string;
  client: TestKeyPair;
}): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.name,
        cluster: {
          server: input.server,
          'certificate-authority-data': b64(input.caCert),
          ...(input.tlsServerName ? { 'tls-server-name': input.tlsServerName } : {}),
        },
      },
    ],
    users: [
      {
        name: `${input.name}-admin`,
        user: {
          'client-certificate-data': b64(input.client.cert),
          'client-key-data': b64(input.client.key),
        },
      },
    ],
    contexts: [{ name: input.name, context: { cluster: input.name, user: `${input.name}-admin` } }],
    'current-context': input.name,
  });
}

/** A node as a simulated K3s node registers it. */
export function testNode(
  name: string,
  role: SimNode['role'],
  overrides: Partial<SimNode> = {},
): SimNode {
  return {
    name,
    role,
    ready: true,
    unschedulable: false,
    kubeletVersion: 'v1.31.4+k3s1',
    internalIP: '10.0.0.10',
    providerID: `sim://default/${name}`,
    labels: {},
    taints: [],
    creationTimestamp: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}
