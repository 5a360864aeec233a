// Checking a Proxmox credential: the API answers over TLS as configured, the token or
// password logs in, and the token holds every privilege Slipway needs. Each failure has
// its own reason and says what to fix; no secret appears in a message.
import type { CredentialCheck, ProviderCredential } from '../types.ts';
import { ProxmoxApiError } from './api/index.ts';
import type { ProxmoxClientCache } from './clients.ts';
import { readProxmoxCredential } from './credential.ts';
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
import { describeMissing, missingPrivileges, type PermissionMap } from './permissions.ts';

const R = ProxmoxReasons;

function failed(reason: string, message: string): CredentialCheck {
  return { ok: false, reason, message };
}

/** What an API failure means for a credential. */
export function credentialFailure(err: unknown, url: string): CredentialCheck {
  if (err instanceof ProxmoxApiError) {
    switch (err.kind) {
      case 'authentication':
        return failed(
          R.AuthenticationFailed,
          `Proxmox at ${url} refused the token or password: check tokenId and the Secret's tokenSecret (${err.detail})`,
        );
      case 'tls':
        return failed(
          R.TLSVerificationFailed,
          `the certificate of ${url} does not match: ${err.detail} (set config.fingerprint or config.caCert to the node's)`,
        );
      case 'permission':
        return failed(R.MissingPrivileges, `Proxmox at ${url} refused: ${err.detail}`);
      default:
        if (err.status === undefined || err.kind === 'transient' || err.kind === 'timeout') {
          return failed(R.Unreachable, `cannot reach Proxmox at ${url}: ${err.detail}`);
        }
        return failed(R.ProxmoxAPIError, `Proxmox at ${url} answered: ${err.message}`);
    }
  }
  return failed(
    R.Unreachable,
    `cannot reach Proxmox at ${url}: ${err instanceof Error ? err.message : String(err)}`,
  );
}

/**
 * The verdict on a credential: ok with `CredentialValid`, or why not.
 *
 * @example
 *   await checkProxmoxCredential(clients, credential); // { ok: false, reason: 'MissingPrivileges', message: '… VM.Clone (clone the template) …' }
 */
export async function checkProxmoxCredential(
  clients: ProxmoxClientCache,
  credential: ProviderCredential,
  signal?: AbortSignal,
): Promise<CredentialCheck> {
  let read;
  try {
    read = readProxmoxCredential(credential);
  } catch (err: unknown) {
    if (err instanceof ProxmoxProviderError) return failed(err.reason, err.message);
    throw err;
  }
  const url = read.connection.url;
  const api = clients.get(read.cacheKey, read.connection);
  const options = signal ? { signal } : {};
  let version: { version?: string; release?: string };
  let permissions: PermissionMap;
  try {
    version = await api.get<{ version?: string; release?: string }>('/version', undefined, options);
    permissions = await api.get<PermissionMap>('/access/permissions', undefined, options);
  } catch (err: unknown) {
    signal?.throwIfAborted();
    return credentialFailure(err, url);
  }
  const major = Number(/^(\d+)/.exec(version.version ?? version.release ?? '')?.[1] ?? 9);
  const missing = missingPrivileges(permissions, major);
  const who =
    read.connection.auth.type === 'token'
      ? `token ${read.connection.auth.tokenId}`
      : `user ${read.connection.auth.username}`;
  if (missing.length > 0) {
    return failed(
      R.MissingPrivileges,
      `${who} lacks privileges Slipway needs: ${describeMissing(missing)}. Grant them with a role (see docs/providers/proxmox.md); a token with privilege separation needs its own ACL entries.`,
    );
  }
  return {
    ok: true,
    reason: R.CredentialValid,
    message: `Proxmox VE ${version.version ?? 'unknown version'} at ${url}: ${who} holds every privilege Slipway needs`,
  };
}
