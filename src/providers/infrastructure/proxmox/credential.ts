// A Proxmox Credential: where the API is and how to trust and log in to it. Config (not
// secret): `url`, `tokenId` (user@realm!name) or `username` (user@realm, ticket login),
// one of `fingerprint`, `caCert`, `insecureSkipTLSVerify`, and optional clone limits.
// Secret keys: `tokenSecret` (with tokenId) or `password` (with username).
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/value';
import type { ProviderCredential } from '../types.ts';
import { ProxmoxConfigError, resolveConnection, type ProxmoxConnection } from './api/index.ts';
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';

export const ProxmoxCredentialConfig = Type.Object(
  {
    url: Type.String({ description: 'https://host:8006 of a node (or a load balancer).' }),
    tokenId: Type.Optional(Type.String({ description: 'API token, user@realm!tokenname.' })),
    username: Type.Optional(Type.String({ description: 'user@realm, for ticket login.' })),
    fingerprint: Type.Optional(
      Type.String({ description: 'SHA-256 fingerprint of the node certificate.' }),
    ),
    caCert: Type.Optional(Type.String({ description: 'PEM of the CA (pve-root-ca.pem).' })),
    insecureSkipTLSVerify: Type.Optional(Type.Boolean()),
    timeoutSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    clonesPerTemplate: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Clones at once from one template (default 2).' }),
    ),
    clonesPerStorage: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Clones at once onto one storage (default 4).' }),
    ),
  },
  { additionalProperties: false },
);
export type ProxmoxCredentialConfig = Static<typeof ProxmoxCredentialConfig>;

const check = TypeCompiler.Compile(ProxmoxCredentialConfig);

export interface ProxmoxCredential {
  connection: ProxmoxConnection;
  /** Identifies the client to reuse: url, login and a hash of the secret and trust. */
  cacheKey: string;
  clonesPerTemplate: number;
  clonesPerStorage: number;
}

function invalid(credential: ProviderCredential, message: string): ProxmoxProviderError {
  return new ProxmoxProviderError(
    ProxmoxReasons.InvalidCredential,
    `Proxmox credential ${credential.ref}: ${message}`,
    false,
  );
}

/** Connection field paths (`auth.tokenId`) as the Credential's (`config.tokenId`). */
const credentialFields: Record<string, string> = {
  url: 'config.url',
  'auth.tokenId': 'config.tokenId',
  'auth.secret': 'secret tokenSecret',
  'auth.username': 'config.username',
  'auth.password': 'secret password',
  'tls.caPem': 'config.caCert',
  'tls.fingerprint': 'config.fingerprint',
  'tls.insecureSkipVerify': 'config.insecureSkipTLSVerify',
  timeoutMs: 'config.timeoutSec',
};

/**
 * The credential checked and turned into a client connection; throws a permanent
 * `InvalidCredential` error naming the field. Secret values never appear in messages.
 *
 * @example
 *   readProxmoxCredential({ ref: 'slipway-system/pve', config: { url, tokenId, fingerprint },
 *     secret: { tokenSecret } }).connection.auth.type; // 'token'
 */
export function readProxmoxCredential(credential: ProviderCredential): ProxmoxCredential {
  const config = credential.config;
  const first = check.Errors(config).First();
  if (first) {
    const field = `config${first.path.replaceAll('/', '.')}`;
    const message =
      first.type === ValueErrorType.ObjectAdditionalProperties ? 'unknown field' : first.message;
    throw invalid(credential, `${field}: ${message}`);
  }
  const c = config as ProxmoxCredentialConfig;
  if ((c.tokenId === undefined) === (c.username === undefined)) {
    throw invalid(
      credential,
      'config: set tokenId (API token) or username (ticket login), one of them',
    );
  }
  const secretKey = c.tokenId !== undefined ? 'tokenSecret' : 'password';
  const secret = credential.secret[secretKey];
  if (!secret) {
    throw invalid(
      credential,
      `the Secret has no ${secretKey} (needed with config.${c.tokenId !== undefined ? 'tokenId' : 'username'})`,
    );
  }
  const connection: ProxmoxConnection = {
    url: c.url,
    auth:
      c.tokenId !== undefined
        ? { type: 'token', tokenId: c.tokenId, secret }
        : { type: 'password', username: c.username ?? '', password: secret },
    tls: {
      ...(c.caCert !== undefined ? { caPem: c.caCert } : {}),
      ...(c.fingerprint !== undefined ? { fingerprint: c.fingerprint } : {}),
      ...(c.insecureSkipTLSVerify !== undefined
        ? { insecureSkipVerify: c.insecureSkipTLSVerify }
        : {}),
    },
    ...(c.timeoutSec !== undefined ? { timeoutMs: c.timeoutSec * 1000 } : {}),
  };
  try {
    resolveConnection(connection);
  } catch (err: unknown) {
    if (err instanceof ProxmoxConfigError) {
      const field = credentialFields[err.field] ?? err.field;
      const problem = err.message.slice(err.field.length + 2);
      // The secret's own text never goes into a message.
      throw invalid(
        credential,
        `${field}: ${field.startsWith('secret') ? 'is malformed' : problem}`,
      );
    }
    throw err;
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([c.url, c.tokenId ?? c.username, secret, connection.tls, c.timeoutSec]))
    .digest('hex');
  return {
    connection,
    cacheKey: `${c.url}|${c.tokenId ?? c.username ?? ''}|${digest}`,
    clonesPerTemplate: c.clonesPerTemplate ?? 2,
    clonesPerStorage: c.clonesPerStorage ?? 4,
  };
}
