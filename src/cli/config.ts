// Where the CLI finds its server: flags, then environment, then the file `slipway login` writes.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './errors.ts';

/** What `slipway login` saves. */
export interface ConfigFile {
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  /** Absolute path of a PEM file with the CA that signed the server certificate. */
  certificateAuthority?: string;
}

/** Connection settings given on the command line; absent ones fall through. */
export interface ConnectionFlags {
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  certificateAuthority?: string;
}

/** Everything needed to reach the API server. */
export interface Connection {
  server: string;
  token: string;
  insecureSkipTlsVerify: boolean;
  certificateAuthority?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `$SLIPWAY_CONFIG`, else `$XDG_CONFIG_HOME/slipway/config.yaml`, else `~/.config/slipway/config.yaml`. */
export function configPath(env: Env): string {
  const explicit = env['SLIPWAY_CONFIG'];
  if (explicit) return explicit;
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'slipway', 'config.yaml');
}

/** The saved configuration, or an empty one when the file does not exist. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err: unknown) {
    throw new CliError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new CliError(`config file ${path} must be a YAML mapping`);
  }
  const raw = data as Record<string, unknown>;
  const config: ConfigFile = {};
  if (typeof raw['server'] === 'string') config.server = raw['server'];
  if (typeof raw['token'] === 'string') config.token = raw['token'];
  if (typeof raw['insecureSkipTlsVerify'] === 'boolean') {
    config.insecureSkipTlsVerify = raw['insecureSkipTlsVerify'];
  }
  if (typeof raw['certificateAuthority'] === 'string') {
    config.certificateAuthority = raw['certificateAuthority'];
  }
  return config;
}

/** Write the configuration readable by its owner only (it holds a token). */
export async function writeConfigFile(path: string, config: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, stringify(config), { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** `true`/`1`/`yes` (any case) → true, `false`/`0`/`no`/empty → false, else undefined. */
export function parseBooleanEnv(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no', ''].includes(normalized)) return false;
  return undefined;
}

/**
 * Merge the three sources field by field: flags win over `SLIPWAY_*` environment
 * variables, which win over the config file. Throws a CliError naming every way to
 * configure what is missing.
 */
export function resolveConnection(flags: ConnectionFlags, env: Env, file: ConfigFile): Connection {
  const server = flags.server ?? nonEmpty(env['SLIPWAY_SERVER']) ?? file.server;
  const token = flags.token ?? nonEmpty(env['SLIPWAY_TOKEN']) ?? file.token;
  const missing = [!server && 'server', !token && 'token'].filter(Boolean);
  if (!server || !token) {
    throw new CliError(
      `no ${missing.join(' or ')} configured: run "slipway login --server URL --token TOKEN", ` +
        'set SLIPWAY_SERVER and SLIPWAY_TOKEN, or pass --server and --token',
    );
  }
  // A CA file given on the command line means "verify", whatever env or file say.
  const insecureSkipTlsVerify =
    flags.insecureSkipTlsVerify ??
    (flags.certificateAuthority
      ? false
      : (parseBooleanEnv(env['SLIPWAY_INSECURE_SKIP_TLS_VERIFY']) ??
        file.insecureSkipTlsVerify ??
        false));
  const certificateAuthority = flags.certificateAuthority ?? file.certificateAuthority;
  return {
    server: server.replace(/\/+$/, ''),
    token,
    insecureSkipTlsVerify,
    ...(certificateAuthority && !insecureSkipTlsVerify ? { certificateAuthority } : {}),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
