// What a simulated VM's cloud-init would do with its user-data, as far as K3s cares:
// the files `write_files` leaves on disk, the shell commands `bootcmd`/`runcmd` run, and
// the hostname. Only `#cloud-config` is understood (no MIME multipart, no Jinja).
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface CloudConfigView {
  /** `hostname`, else the first label of `fqdn`. */
  hostname?: string;
  /** Path → content as cloud-init would write it (decoded; `append` applied). */
  files: Map<string, Buffer>;
  /** `bootcmd` then `runcmd`, each as one line of shell text (argv lists joined by spaces). */
  commands: string[];
}

/** User-data cloud-init would reject or the sim cannot read. */
export class CloudConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudConfigError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contentBytes(content: unknown, path: string): Buffer {
  if (content === undefined || content === null) return Buffer.alloc(0);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof Uint8Array) return Buffer.from(content); // YAML !!binary
  throw new CloudConfigError(`write_files ${path}: content must be a string`);
}

// cloud-init's cc_write_files decode_perms/canonicalize_extraction: these spellings only.
function decode(raw: Buffer, encoding: string, path: string): Buffer {
  switch (encoding.toLowerCase()) {
    case '':
    case 'text/plain':
      return raw;
    case 'b64':
    case 'base64':
      return Buffer.from(raw.toString('utf8'), 'base64');
    case 'gz':
    case 'gzip':
      return gunzipSync(raw);
    case 'gz+b64':
    case 'gz+base64':
    case 'gzip+b64':
    case 'gzip+base64':
      return gunzipSync(Buffer.from(raw.toString('utf8'), 'base64'));
    default:
      throw new CloudConfigError(`write_files ${path}: unknown encoding "${encoding}"`);
  }
}

function readFiles(entries: unknown): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (entries === undefined || entries === null) return files;
  if (!Array.isArray(entries)) throw new CloudConfigError('write_files must be a list');
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry['path'] !== 'string' || !entry['path']) {
      throw new CloudConfigError('write_files: every entry needs a path');
    }
    const path = entry['path'];
    const encoding = typeof entry['encoding'] === 'string' ? entry['encoding'] : '';
    let bytes: Buffer;
    try {
      bytes = decode(contentBytes(entry['content'], path), encoding, path);
    } catch (err: unknown) {
      if (err instanceof CloudConfigError) throw err;
      throw new CloudConfigError(`write_files ${path}: cannot decode ${encoding} content`);
    }
    const previous = files.get(path);
    files.set(
      path,
      entry['append'] === true && previous ? Buffer.concat([previous, bytes]) : bytes,
    );
  }
  return files;
}

function readCommands(list: unknown, key: string): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new CloudConfigError(`${key} must be a list`);
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (Array.isArray(item)) return item.map(String).join(' ');
    throw new CloudConfigError(`${key}: entries must be strings or lists of strings`);
  });
}

/** Read `#cloud-config` user-data; throws CloudConfigError for what cloud-init would refuse. */
export function readCloudConfig(userData: string): CloudConfigView {
  if (!/^#cloud-config[ \t]*\r?\n/.test(userData)) {
    throw new CloudConfigError('user-data is not #cloud-config (the sim reads only cloud-config)');
  }
  let doc: unknown;
  try {
    doc = parse(userData);
  } catch (err: unknown) {
    throw new CloudConfigError(`user-data is not valid YAML: ${(err as Error).message}`);
  }
  if (!isRecord(doc)) throw new CloudConfigError('user-data must be a YAML mapping');
  const view: CloudConfigView = {
    files: readFiles(doc['write_files']),
    commands: [
      ...readCommands(doc['bootcmd'], 'bootcmd'),
      ...readCommands(doc['runcmd'], 'runcmd'),
    ],
  };
  const hostname = doc['hostname'];
  const fqdn = doc['fqdn'];
  if (typeof hostname === 'string' && hostname) view.hostname = hostname;
  else if (typeof fqdn === 'string' && fqdn) view.hostname = fqdn.split('.')[0] ?? fqdn;
  return view;
}

/** `local-hostname` from cloud-init meta-data (YAML or JSON), if any. */
export function localHostnameFrom(metaData: string): string | undefined {
  try {
    const doc: unknown = parse(metaData);
    if (!isRecord(doc)) return undefined;
    const name = doc['local-hostname'];
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}
