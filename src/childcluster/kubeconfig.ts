// The part of a kubeconfig the child-cluster client uses: the current context's cluster
// (server, certificate-authority-data, tls-server-name, insecure-skip-tls-verify) and
// user (client-certificate-data and client-key-data, or a bearer token). Fields that
// would change where or as whom the client connects, and that it cannot honour (files,
// exec plugins, auth providers, proxies, impersonation), are refused by name rather
// than ignored. See docs/adr/0007-child-cluster-client.md.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { parse } from 'yaml';
import { ChildClusterError, ChildClusterErrorCode } from './types.ts';

/** Where and how to reach the API server a kubeconfig's current context names. */
export interface KubeconfigTarget {
  /** The server URL as written, without trailing slashes (for messages). */
  server: string;
  /** `https://host:port` of the server. */
  origin: string;
  /** What follows host:port in the server URL (`/clusters/ns/name`), or ''. */
  basePath: string;
  /** Host to connect to (an IPv6 address without brackets). */
  hostname: string;
  /** TLS server name to send and verify: tls-server-name, else a DNS host name. */
  servername: string | undefined;
  /** False when the cluster sets insecure-skip-tls-verify. */
  rejectUnauthorized: boolean;
  /** PEM of certificate-authority-data; undefined trusts Node's root CAs. */
  ca: Buffer | undefined;
  /** PEM of client-certificate-data and client-key-data. */
  clientCertificate: { cert: Buffer; key: Buffer } | undefined;
  /** The user's bearer token. */
  token: string | undefined;
}

type Entry = Record<string, unknown>;

/** Fields the client cannot honour, with what to use instead. */
const unsupportedClusterFields: Record<string, string> = {
  'certificate-authority': 'embed the CA as certificate-authority-data',
  'proxy-url': 'proxies are not supported',
};
const unsupportedUserFields: Record<string, string> = {
  'client-certificate': 'embed the certificate as client-certificate-data',
  'client-key': 'embed the key as client-key-data',
  tokenFile: 'put the token itself in token',
  exec: 'exec credential plugins are not supported; use client-certificate-data/client-key-data or token',
  'auth-provider':
    'auth-provider plugins are not supported; use client-certificate-data/client-key-data or token',
  username:
    'basic authentication is not supported; use client-certificate-data/client-key-data or token',
  password:
    'basic authentication is not supported; use client-certificate-data/client-key-data or token',
  as: 'impersonation is not supported',
  'as-uid': 'impersonation is not supported',
  'as-groups': 'impersonation is not supported',
  'as-user-extra': 'impersonation is not supported',
};
/** A file field the client does not read is fine when its `-data` twin is there. */
const dataTwin: Record<string, string> = {
  'certificate-authority': 'certificate-authority-data',
  'client-certificate': 'client-certificate-data',
  'client-key': 'client-key-data',
  tokenFile: 'token',
};

function invalid(message: string, cause?: unknown): ChildClusterError {
  return new ChildClusterError(
    ChildClusterErrorCode.InvalidKubeconfig,
    `the kubeconfig cannot be used: ${message}`,
    cause !== undefined ? { cause } : {},
  );
}

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(entry: Entry, key: string, path: string): string | undefined {
  const value = entry[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${path}.${key} must be a string`);
  return value;
}

/** The `section` entry (`cluster` or `user`) of the item of `list` called `name`. */
function namedEntry(doc: Entry, list: string, section: string, name: string): [Entry, string] {
  const items = doc[list] ?? [];
  if (!Array.isArray(items)) throw invalid(`${list} must be a list`);
  const item: unknown = items.find((i: unknown) => isEntry(i) && i['name'] === name);
  const path = `${list}[name=${JSON.stringify(name)}]`;
  if (!isEntry(item)) throw invalid(`${path} is missing`);
  const entry = item[section] ?? {};
  if (!isEntry(entry)) throw invalid(`${path}.${section} must be a mapping`);
  return [entry, `${path}.${section}`];
}

function refuseUnsupported(entry: Entry, path: string, fields: Record<string, string>): void {
  for (const [field, advice] of Object.entries(fields)) {
    const value = entry[field];
    if (value === undefined || value === null || value === '') continue;
    const twin = dataTwin[field];
    if (twin !== undefined && optionalString(entry, twin, path) !== undefined) continue;
    throw invalid(`${path}.${field} is not supported: ${advice}`);
  }
}

function base64Field(entry: Entry, key: string, path: string): Buffer | undefined {
  const value = optionalString(entry, key, path);
  if (value === undefined) return undefined;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw invalid(`${path}.${key} is not base64`);
  }
  // A small Buffer.from() is a slice of a shared 64 KiB pool slab, and the target lives
  // as long as its client: one per cluster pinned a slab each (68 MiB at 1,000 clusters).
  const decoded = Buffer.from(compact, 'base64');
  const own = Buffer.allocUnsafeSlow(decoded.length);
  decoded.copy(own);
  return own;
}

function serverUrl(cluster: Entry, path: string): URL {
  const server = optionalString(cluster, 'server', path);
  if (server === undefined) throw invalid(`${path}.server is missing`);
  let url: URL;
  try {
    url = new URL(server);
  } catch (err: unknown) {
    throw invalid(`${path}.server is not a URL: ${JSON.stringify(server)}`, err);
  }
  if (url.protocol !== 'https:') {
    throw invalid(`${path}.server must be an https:// URL, not ${JSON.stringify(server)}`);
  }
  return url;
}

/**
 * The target of the kubeconfig's current context. Throws ChildClusterError
 * (InvalidKubeconfig) naming the field that is missing, malformed or unsupported.
 *
 * @example
 * const { origin, basePath, token } = parseKubeconfig(yamlText);
 */
export function parseKubeconfig(text: string): KubeconfigTarget {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err: unknown) {
    throw invalid(`it is not YAML: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!isEntry(doc)) throw invalid('it is not a mapping');
  const current = optionalString(doc, 'current-context', 'kubeconfig');
  if (current === undefined) throw invalid('current-context is not set');
  const [context, contextPath] = namedEntry(doc, 'contexts', 'context', current);
  const clusterName = optionalString(context, 'cluster', contextPath);
  if (clusterName === undefined) throw invalid(`${contextPath}.cluster is missing`);
  const [cluster, clusterPath] = namedEntry(doc, 'clusters', 'cluster', clusterName);
  const userName = optionalString(context, 'user', contextPath);
  const [user, userPath] =
    userName === undefined ? [{}, 'user'] : namedEntry(doc, 'users', 'user', userName);
  refuseUnsupported(cluster, clusterPath, unsupportedClusterFields);
  refuseUnsupported(user, userPath, unsupportedUserFields);

  const url = serverUrl(cluster, clusterPath);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean') {
    throw invalid(`${clusterPath}.insecure-skip-tls-verify must be true or false`);
  }
  const cert = base64Field(user, 'client-certificate-data', userPath);
  const key = base64Field(user, 'client-key-data', userPath);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'client-certificate-data' : 'client-key-data';
    throw invalid(`${userPath}.${missing} is missing (a client certificate needs both)`);
  }
  return {
    server: url.href.replace(/\/+$/, ''),
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    hostname,
    servername:
      optionalString(cluster, 'tls-server-name', clusterPath) ??
      (isIP(hostname) === 0 ? hostname : undefined),
    rejectUnauthorized: insecure !== true,
    ca: base64Field(cluster, 'certificate-authority-data', clusterPath),
    clientCertificate: cert && key ? { cert, key } : undefined,
    token: optionalString(user, 'token', userPath),
  };
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

function checkCertificates(pem: Buffer): void {
  const blocks = pem.toString('latin1').match(pemCertificate) ?? [];
  if (blocks.length === 0) {
    throw invalid('certificate-authority-data holds no PEM certificate');
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err: unknown) {
      const reason = err instanceof Error ? err.message : String(err);
      throw invalid(
        `certificate-authority-data holds a certificate that cannot be read (${reason})`,
        err,
      );
    }
  }
}

/**
 * The CA and client certificate of a target, parsed once for all its connections.
 * Throws InvalidKubeconfig naming the field whose PEM Node cannot use.
 */
export function createTargetSecureContext(target: KubeconfigTarget): SecureContext {
  const ca = target.ca;
  const client = target.clientCertificate;
  // Node skips what is not a certificate in `ca` without a word: check it here.
  if (ca) checkCertificates(ca);
  try {
    return createSecureContext({ ...(ca ? { ca } : {}), ...(client ?? {}) });
  } catch (err: unknown) {
    // The CA was checked above: what TLS refuses is the client certificate or key.
    const reason = err instanceof Error ? err.message : String(err);
    throw invalid(`client-certificate-data/client-key-data cannot be used by TLS (${reason})`, err);
  }
}
