// Reads a rendered K3s user-data back: what a machine booting it would know. The sim
// provider boots simulated nodes from it (role, version, token, server, CA files) and the
// tests check renderings with it, so both read the document one way.
import { parse } from 'yaml';
import { k3sTLSDir } from './pki.ts';
import { k3sConfigPath } from './values.ts';

export interface WrittenFile {
  /** The bytes cloud-init would write (base64 already decoded). */
  content: Buffer;
  permissions?: string;
  owner?: string;
  encoding?: string;
  defer?: boolean;
}

export interface K3sUserDataReading {
  hostname: string;
  /** From the installer's subcommand. */
  role: 'server' | 'agent';
  /** From INSTALL_K3S_VERSION. */
  version: string;
  airgapped: boolean;
  /** /etc/rancher/k3s/config.yaml, parsed. */
  config: Record<string, unknown>;
  /** Every write_files entry by path. */
  files: Map<string, WrittenFile>;
  /** K3s CA files by name under the TLS directory (`server-ca.crt`, `etcd/peer-ca.key`), as text. */
  caFiles: Record<string, string>;
  runcmd: string[];
}

/** Thrown when a document is not a K3s user-data this provider renders. */
export class UserDataReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserDataReadError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const installPattern =
  /^(INSTALL_K3S_SKIP_DOWNLOAD=true )?INSTALL_K3S_VERSION='([^']+)' sh \S+ (server|agent)$/;

export function readK3sUserData(userData: string): K3sUserDataReading {
  if (!userData.startsWith('#cloud-config\n')) {
    throw new UserDataReadError('user-data does not start with #cloud-config');
  }
  const document: unknown = parse(userData, { version: '1.1' });
  if (!isRecord(document)) throw new UserDataReadError('user-data is not a YAML mapping');
  const hostname = document['hostname'];
  if (typeof hostname !== 'string') throw new UserDataReadError('user-data has no hostname');

  const files = new Map<string, WrittenFile>();
  const writeFiles = document['write_files'];
  for (const entry of Array.isArray(writeFiles) ? (writeFiles as unknown[]) : []) {
    if (!isRecord(entry) || typeof entry['path'] !== 'string') continue;
    const raw = typeof entry['content'] === 'string' ? entry['content'] : '';
    const encoding = typeof entry['encoding'] === 'string' ? entry['encoding'] : undefined;
    const b64 = encoding === 'b64' || encoding === 'base64';
    const file: WrittenFile = { content: Buffer.from(raw, b64 ? 'base64' : 'utf8') };
    if (typeof entry['permissions'] === 'string') file.permissions = entry['permissions'];
    if (typeof entry['owner'] === 'string') file.owner = entry['owner'];
    if (encoding !== undefined) file.encoding = encoding;
    if (entry['defer'] === true) file.defer = true;
    files.set(entry['path'], file);
  }

  const configFile = files.get(k3sConfigPath);
  if (!configFile) throw new UserDataReadError(`user-data writes no ${k3sConfigPath}`);
  const config: unknown = parse(configFile.content.toString('utf8'), { version: '1.1' });
  if (!isRecord(config)) throw new UserDataReadError(`${k3sConfigPath} is not a YAML mapping`);

  const runcmdValue = document['runcmd'];
  const runcmd = Array.isArray(runcmdValue)
    ? (runcmdValue as unknown[]).filter((c): c is string => typeof c === 'string')
    : [];
  const install = runcmd.map((command) => installPattern.exec(command)).find(Boolean);
  if (!install) throw new UserDataReadError('user-data runs no K3s installer');

  const caFiles: Record<string, string> = {};
  for (const [path, file] of files) {
    if (path.startsWith(`${k3sTLSDir}/`)) {
      caFiles[path.slice(k3sTLSDir.length + 1)] = file.content.toString('utf8');
    }
  }
  return {
    hostname,
    role: install[3] as 'server' | 'agent',
    version: install[2] ?? '',
    airgapped: install[1] !== undefined,
    config,
    files,
    caFiles,
    runcmd,
  };
}
