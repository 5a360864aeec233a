// K3s join tokens as k3s `pkg/clientaccess/token.go` reads them: the secure form
// `K10<ca-hash>::<user>:<password>` pins the cluster's server CA; a short token is only
// the password. See ../shared/reference/k3s-bootstrap.md ("Tokens").
import { createHash } from 'node:crypto';

export interface K3sToken {
  /** SHA-256 (hex) of the server CA the token pins; absent for a short token. */
  caHash?: string;
  username?: string;
  /** The part that authenticates; the user part is replaced by the client. */
  password: string;
}

const securePrefix = 'K10';

/** Parse a token; throws with K3s-like text when it is malformed. */
export function parseK3sToken(token: string): K3sToken {
  const trimmed = token.trim();
  if (!trimmed) throw new Error('token must not be empty');
  if (!trimmed.startsWith(securePrefix)) {
    const colon = trimmed.indexOf(':');
    return colon < 0
      ? { password: trimmed }
      : { username: trimmed.slice(0, colon), password: trimmed.slice(colon + 1) };
  }
  const rest = trimmed.slice(securePrefix.length);
  const sep = rest.indexOf('::');
  if (sep < 0) throw new Error('invalid token format');
  const caHash = rest.slice(0, sep);
  const credentials = rest.slice(sep + 2);
  if (caHash && !/^[0-9a-fA-F]+$/.test(caHash)) throw new Error('invalid token CA hash');
  const colon = credentials.indexOf(':');
  if (colon < 0 || colon === credentials.length - 1) throw new Error('invalid token format');
  return {
    ...(caHash ? { caHash: caHash.toLowerCase() } : {}),
    username: credentials.slice(0, colon),
    password: credentials.slice(colon + 1),
  };
}

const pemBlock = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * The hash a secure token carries for a `server-ca.crt` file: SHA-256 (hex) of the file's
 * bytes exactly as served by `/cacerts` when it holds one certificate; of the DER of the
 * last certificate (the root of a leaf-first chain) when it holds several. K3s verifies
 * the chain before taking its root; the sim does not (see docs/providers/infrastructure.md).
 */
export function k3sCAHash(serverCACert: string | Uint8Array): string {
  const bytes = typeof serverCACert === 'string' ? Buffer.from(serverCACert, 'utf8') : serverCACert;
  const blocks = [...Buffer.from(bytes).toString('utf8').matchAll(pemBlock)];
  const root = blocks.length > 1 ? blocks[blocks.length - 1]?.[1] : undefined;
  const hashed = root !== undefined ? Buffer.from(root.replace(/\s+/g, ''), 'base64') : bytes;
  return createHash('sha256').update(hashed).digest('hex');
}

/** A secure token for a server CA: `K10<hash>::<user>:<password>`. */
export function secureK3sToken(serverCACert: string, password: string, user = 'server'): string {
  return `${securePrefix}${k3sCAHash(serverCACert)}::${user}:${password}`;
}
