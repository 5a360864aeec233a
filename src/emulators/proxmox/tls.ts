// The emulator's HTTPS identity, made like a PVE node's: a cluster CA ("Proxmox Virtual
// Environment", pve-root-ca.pem) signing the node's serving certificate (pve-ssl.pem).
// Clients pin either the CA or the serving certificate's SHA-256 fingerprint.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { createSelfSignedCA, issueCertificate } from '../../providers/bootstrap/certificates.ts';

export interface EmulatorTls {
  caPem: string;
  cert: string;
  key: string;
  /** SHA-256 of the serving certificate, `AA:BB:…` as PVE shows it. */
  fingerprint: string;
}

export async function createEmulatorTls(host: string, nodeName: string): Promise<EmulatorTls> {
  const now = new Date();
  const ca = await createSelfSignedCA({
    commonName: 'Proxmox Virtual Environment',
    now,
    validityDays: 3650,
  });
  const names = [...new Set([host, 'localhost', '127.0.0.1', nodeName, `${nodeName}.local`])];
  const serving = await issueCertificate({
    ca,
    commonName: `${nodeName}.local`,
    organizations: ['PVE Cluster Node'],
    usages: ['serverAuth'],
    hosts: names.filter((n) => isIP(n) !== 0 || /^[a-z0-9.-]+$/i.test(n)),
    now,
    validityDays: 730,
  });
  return {
    caPem: ca.cert,
    cert: serving.cert,
    key: serving.key,
    fingerprint: new X509Certificate(serving.cert).fingerprint256,
  };
}
