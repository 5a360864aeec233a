// The Secret and Credential a user applies to point Slipway's Proxmox provider at an
// emulator (or at a real Proxmox VE: same keys). Printed by main.ts and the docs.
import { stringify } from 'yaml';

export interface CredentialExampleInput {
  url: string;
  tokenId: string;
  secret: string;
  fingerprint: string;
  name?: string;
  namespace?: string;
}

/** Two YAML documents: the Secret with `tokenSecret`, and the Credential naming it. */
export function credentialExample(input: CredentialExampleInput): string {
  const name = input.name ?? 'pve-emulator';
  const namespace = input.namespace ?? 'default';
  const secret = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData: { tokenSecret: input.secret },
  };
  const credential = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Credential',
    metadata: { name, namespace },
    spec: {
      provider: 'proxmox',
      secretRef: { name, namespace },
      config: { url: input.url, tokenId: input.tokenId, fingerprint: input.fingerprint },
    },
  };
  return `${stringify(secret)}---\n${stringify(credential)}`;
}
