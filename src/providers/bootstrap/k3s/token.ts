// K3s join tokens. The secure format is `K10<ca-hash>::<user>:<password>`: a joining
// node fetches `/cacerts` without credentials, checks its hash against the token, and
// only then sends the password (k3s pkg/clientaccess/token.go). Owning the CA lets
// Slipway compute the token before any machine exists.
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { BootstrapError } from '../errors.ts';

const securePrefix = 'K10';

export interface K3sToken {
  /** SHA-256 hex of the server CA as served by `/cacerts`; absent in a legacy token. */
  caHash?: string;
  /** `server` or `node`; joining nodes replace it with their own role. */
  username?: string;
  password: string;
}

/**
 * The CA hash a joining node computes (k3s `hashCA`): for a `server-ca.crt` holding
 * exactly one certificate, SHA-256 of the file's raw bytes as served by `/cacerts`,
 * newlines included. So the file on the server must be written byte for byte from the
 * same string that was hashed.
 *
 * A bundle with a chain is hashed by its root's DER instead; Slipway's CAs are single
 * self-signed certificates, so that case is refused here rather than guessed at.
 *
 * @example
 * hashK3sCA(pki['server-ca.crt']) // 'a3f1…' (64 hex digits)
 */
export function hashK3sCA(serverCACert: string | Uint8Array): string {
  const bytes = typeof serverCACert === 'string' ? Buffer.from(serverCACert) : serverCACert;
  const count =
    Buffer.from(bytes).toString('latin1').split('-----BEGIN CERTIFICATE-----').length - 1;
  if (count !== 1) {
    throw new BootstrapError(
      'InvalidToken',
      `server-ca.crt must hold exactly one certificate to be hashed as raw bytes, found ${count}`,
    );
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/** `K10<hash>::<user>:<password>`. */
export function formatK3sToken(token: Required<K3sToken>): string {
  return `${securePrefix}${token.caHash}::${token.username}:${token.password}`;
}

/**
 * A new secure server token for a cluster whose server CA is `serverCACert`. The
 * password is 32 random bytes in hex (K3s makes 16).
 */
export function generateK3sToken(serverCACert: string): string {
  return formatK3sToken({
    caHash: hashK3sCA(serverCACert),
    username: 'server',
    password: randomBytes(32).toString('hex'),
  });
}

/**
 * Parses a token the way K3s does (`parseToken`): `K10<hash>::<user>:<password>`, with
 * the hash optional (`K10::user:password`); a token without the `K10` prefix is a bare
 * password, colons and all. Errors say what is wrong, never what the token was.
 */
export function parseK3sToken(token: string): K3sToken {
  if (!token) throw invalidToken('the token is empty');
  if (!token.startsWith(securePrefix)) return { password: token };
  const rest = token.slice(securePrefix.length);
  const separator = rest.indexOf('::');
  if (separator < 0) throw invalidToken('a K10 token needs "::" between CA hash and credentials');
  const caHash = rest.slice(0, separator);
  if (caHash !== '' && !/^[0-9a-f]{64}$/.test(caHash)) {
    // K3s compares the hash as a string with its own lower-case hex digest.
    throw invalidToken('the CA hash must be 64 lower-case hex digits');
  }
  const credentials = rest.slice(separator + 2);
  const colon = credentials.indexOf(':');
  if (colon < 0 || colon === credentials.length - 1) {
    throw invalidToken('the credentials must be <user>:<password>');
  }
  return {
    ...(caHash ? { caHash } : {}),
    username: credentials.slice(0, colon),
    password: credentials.slice(colon + 1),
  };
}

function invalidToken(message: string): BootstrapError {
  return new BootstrapError('InvalidToken', `invalid K3s join token: ${message}`);
}

/**
 * Checks that `token` is a secure token whose CA hash matches `serverCACert`: a node
 * given a token for another CA would refuse to join, so this is caught at render time.
 */
export function assertTokenMatchesCA(token: string, serverCACert: string): void {
  const parsed = parseK3sToken(token);
  if (parsed.caHash === undefined) {
    throw invalidToken('a secure token (K10<ca-hash>::…) is required');
  }
  if (parsed.caHash !== hashK3sCA(serverCACert)) {
    throw invalidToken("the CA hash does not match the cluster's server-ca.crt");
  }
  // A file that is not a certificate would hash, but no node could use it.
  try {
    new X509Certificate(serverCACert);
  } catch {
    throw new BootstrapError('MissingClusterSecret', 'server-ca.crt is not a PEM certificate');
  }
}
