// The key Slipway logs in to proxmox-cloudinit guests with: the credential Secret's
// `sshPrivateKey` (OpenSSH format, or PEM RSA/ECDSA; no passphrase), whose public half
// goes into the VM's `sshkeys`. ssh2 reads the key; its text never appears in a message.
import ssh2 from 'ssh2';
import type { ProviderCredential } from '../types.ts';
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';

/** The Secret key that holds the private key. */
export const sshPrivateKeyField = 'sshPrivateKey';

export interface SshLoginKey {
  /** The private key as given (OpenSSH or PEM text). */
  privateKey: string;
  /** Its public key as an authorized_keys line: `ssh-ed25519 AAAA… slipway`. */
  publicKey: string;
}

function missing(credential: ProviderCredential, problem: string): ProxmoxProviderError {
  return new ProxmoxProviderError(
    ProxmoxReasons.SSHKeyMissing,
    `Proxmox credential ${credential.ref}: bootstrapMode proxmox-cloudinit logs in over SSH and ${problem}: put an unencrypted OpenSSH (or PEM RSA/ECDSA) private key in the Secret's ${sshPrivateKeyField}`,
    false,
  );
}

/**
 * The credential's SSH login key; throws a permanent `SSHKeyMissing` error naming the
 * Secret key when it is absent, encrypted or unreadable.
 *
 * @example
 *   readSshLoginKey(credential).publicKey; // 'ssh-ed25519 AAAAC3Nz… slipway'
 */
export function readSshLoginKey(credential: ProviderCredential): SshLoginKey {
  const privateKey = credential.secret[sshPrivateKeyField];
  if (!privateKey || privateKey.trim() === '') {
    throw missing(credential, `the Secret has no ${sshPrivateKeyField}`);
  }
  let key: ssh2.ParsedKey | Error;
  try {
    key = ssh2.utils.parseKey(privateKey);
  } catch {
    key = new Error('unreadable key');
  }
  if (key instanceof Error || !key.isPrivateKey()) {
    // ssh2's messages name the problem ("Unsupported key format", "Encrypted private
    // OpenSSH key detected, but no passphrase given"), never the key itself.
    const why = key instanceof Error ? key.message : 'not a private key';
    throw missing(credential, `the Secret's ${sshPrivateKeyField} cannot be used (${why})`);
  }
  return {
    privateKey,
    publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} slipway`,
  };
}
