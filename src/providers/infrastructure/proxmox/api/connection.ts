// Where and how to reach a Proxmox VE API, and the checks that turn a user's settings
// into something the client can use or an error naming the field that is wrong.
//
// TLS has three modes and a default. A Proxmox node serves a certificate signed by its
// cluster's own CA (pve-root-ca) unless someone installed one from ACME, so a stock
// install is reached either by trusting that CA (`caPem`) or by pinning the node
// certificate's SHA-256 fingerprint (what the GUI shows under Certificates). With
// neither, the system trust store applies (ACME certificates). Skipping verification
// is possible only with `insecureSkipVerify: true`, and not together with a CA or pin,
// so a setting that looks safe never silently is not.
import { X509Certificate } from 'node:crypto';

export type ProxmoxAuth =
  | { type: 'token'; /** user@realm!tokenname */ tokenId: string; secret: string }
  | { type: 'password'; /** user@realm */ username: string; password: string };

export interface ProxmoxTLS {
  /** PEM of the CA (or CAs) that signed the node certificate. */
  caPem?: string;
  /** SHA-256 of the node certificate, "AA:BB:…" or 64 hex digits. */
  fingerprint?: string;
  /** Accept any certificate. Only for throwaway labs. */
  insecureSkipVerify?: boolean;
}

export interface ProxmoxConnection {
  /** https://host:8006, with or without /api2/json. */
  url: string;
  auth: ProxmoxAuth;
  tls: ProxmoxTLS;
  /** Per request, default 30 s. */
  timeoutMs?: number;
}

/** A connection whose every field was checked, in the forms the client uses. */
export interface ResolvedConnection {
  /** scheme://host:port, for undici. */
  origin: string;
  /** Path prefix ending in /api2/json, without a trailing slash. */
  basePath: string;
  /** Host name or IP (IPv6 without brackets) for TLS checks. */
  hostname: string;
  auth: ProxmoxAuth;
  tls: { caPem?: string; fingerprint?: string; insecureSkipVerify: boolean };
  timeoutMs: number;
}

/** A connection setting that cannot work; `field` is its dotted path. */
export class ProxmoxConfigError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'ProxmoxConfigError';
    this.field = field;
  }
}

const defaultTimeoutMs = 30_000;
const maxTimeoutMs = 60 * 60 * 1000;
// pve-access-control: user names have no ':' or '@', realms start with a letter, token
// names match [A-Za-z][A-Za-z0-9.\-_]+.
const userIdPattern = /^[^\s:@!=]+@[A-Za-z][A-Za-z0-9._-]*$/;
const tokenIdPattern = /^[^\s:@!=]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]*$/;

/**
 * Checks a connection and resolves it for the client.
 *
 * @example
 * resolveConnection({ url: 'https://pve1:8006', auth: { type: 'token', tokenId: 'slipway@pve!k8s', secret },
 *   tls: { fingerprint: 'AA:BB:…' } });
 */
export function resolveConnection(connection: ProxmoxConnection): ResolvedConnection {
  const url = parseUrl(connection.url);
  const timeoutMs = connection.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > maxTimeoutMs) {
    throw new ProxmoxConfigError(
      'timeoutMs',
      `must be a whole number of ms from 1 to ${maxTimeoutMs}`,
    );
  }
  return {
    origin: url.origin,
    basePath: basePathOf(url.pathname),
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    auth: checkAuth(connection.auth),
    tls: checkTls(connection.tls),
    timeoutMs,
  };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProxmoxConfigError('url', `not a URL: "${raw}" (expected https://host:8006)`);
  }
  if (url.protocol !== 'https:') {
    throw new ProxmoxConfigError('url', `must use https (Proxmox serves its API only over TLS)`);
  }
  if (url.username || url.password) {
    throw new ProxmoxConfigError('url', 'must not carry credentials; use auth');
  }
  if (url.search || url.hash) {
    throw new ProxmoxConfigError('url', 'must not have a query or fragment');
  }
  return url;
}

function basePathOf(pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, '');
  return trimmed.endsWith('/api2/json') ? trimmed : `${trimmed}/api2/json`;
}

function checkAuth(auth: ProxmoxAuth): ProxmoxAuth {
  if (auth.type === 'token') {
    if (!tokenIdPattern.test(auth.tokenId)) {
      throw new ProxmoxConfigError(
        'auth.tokenId',
        `"${auth.tokenId}" is not a Proxmox token ID (expected user@realm!tokenname)`,
      );
    }
    if (!auth.secret || /[\s=]/.test(auth.secret)) {
      throw new ProxmoxConfigError('auth.secret', 'must be the token secret (no spaces)');
    }
    return { type: 'token', tokenId: auth.tokenId, secret: auth.secret };
  }
  if (auth.type === 'password') {
    if (!userIdPattern.test(auth.username)) {
      throw new ProxmoxConfigError(
        'auth.username',
        `"${auth.username}" is not a Proxmox user ID (expected user@realm, e.g. root@pam)`,
      );
    }
    if (!auth.password) throw new ProxmoxConfigError('auth.password', 'must not be empty');
    return { type: 'password', username: auth.username, password: auth.password };
  }
  throw new ProxmoxConfigError('auth.type', 'must be "token" or "password"');
}

function checkTls(tls: ProxmoxTLS): ResolvedConnection['tls'] {
  const insecureSkipVerify = tls.insecureSkipVerify === true;
  if (insecureSkipVerify && (tls.caPem !== undefined || tls.fingerprint !== undefined)) {
    throw new ProxmoxConfigError(
      'tls.insecureSkipVerify',
      'cannot be combined with tls.caPem or tls.fingerprint (they would be ignored)',
    );
  }
  return {
    insecureSkipVerify,
    ...(tls.caPem !== undefined ? { caPem: checkCaPem(tls.caPem) } : {}),
    ...(tls.fingerprint !== undefined
      ? { fingerprint: normalizeFingerprint(tls.fingerprint) }
      : {}),
  };
}

function checkCaPem(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) throw new ProxmoxConfigError('tls.caPem', 'holds no PEM certificate');
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new ProxmoxConfigError('tls.caPem', `certificate ${index + 1} is not valid`);
    }
  });
  return pem;
}

/**
 * A SHA-256 fingerprint in Node's form (uppercase hex pairs joined by colons), from
 * "aa:bb:…", "AA BB …" or 64 bare hex digits.
 *
 * @example
 * normalizeFingerprint('ab'.repeat(32)) // 'AB:AB:…:AB'
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/^sha256[:/]?/i, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ProxmoxConfigError(
      'tls.fingerprint',
      'must be hex digits, optionally colon-separated',
    );
  }
  if (hex.length !== 64) {
    const hint = hex.length === 40 ? ' (this looks like SHA-1; use the SHA-256 fingerprint)' : '';
    throw new ProxmoxConfigError(
      'tls.fingerprint',
      `must be a SHA-256 fingerprint of 32 bytes, got ${hex.length / 2}${hint}`,
    );
  }
  return hex.toUpperCase().match(/../g)!.join(':');
}
