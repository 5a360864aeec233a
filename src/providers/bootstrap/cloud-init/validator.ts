// Test support: checks rendered cloud-init with cloud-init itself (Debian package
// `cloud-init`, installed by .ci/run), so a rendering that passes here is one a real
// machine accepts. Without cloud-init the checks FAIL rather than skip: a green run
// must mean the real validator looked.
//
// - user-data: `cloud-init schema --config-file` (its JSON schema of every module), plus
//   top-level keys checked against the module keys that schema declares (it lets
//   unknown keys pass, so a misspelt `write_file` would otherwise go unnoticed).
// - network-config: cloud-init 22.4 has no `--schema-type network-config` (newer ones
//   do), so the document is (1) checked against the documented version 2 structure
//   (netplan format, the subset cloud-init reads; unknown keys rejected) and (2) parsed
//   and rendered by cloud-init's own network code, `cloud-init devel net-convert`, to
//   ENI, networkd and netplan, the renderers of Debian and Ubuntu guests.
// - meta-data: loaded with cloud-init's own YAML loader and checked for its two keys.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse } from 'yaml';

const run = promisify(execFile);
const timeout = 60_000;

export class CloudInitMissingError extends Error {
  constructor() {
    super(
      'cloud-init is not installed, so rendered cloud-init cannot be checked by the real ' +
        'validator. Install it (Debian/Ubuntu: apt-get install -y cloud-init); CI does so in .ci/run.',
    );
    this.name = 'CloudInitMissingError';
  }
}

export interface CloudInit {
  path: string;
  /** The interpreter cloud-init runs on (its script's #! line), for its Python modules. */
  python: string;
  /** e.g. `22.4.2`. */
  version: string;
}

let found: Promise<CloudInit> | undefined;

/** Where cloud-init is and which version; rejects with {@link CloudInitMissingError}. */
export function findCloudInit(): Promise<CloudInit> {
  found ??= (async () => {
    let path: string;
    try {
      path = (await run('sh', ['-c', 'command -v cloud-init'], { timeout })).stdout.trim();
    } catch {
      throw new CloudInitMissingError();
    }
    if (!path) throw new CloudInitMissingError();
    const shebang = (await readFile(path, 'utf8')).split('\n', 1)[0] ?? '';
    const python = shebang.startsWith('#!') ? shebang.slice(2).trim().split(/\s+/)[0] : undefined;
    const { stdout, stderr } = await run(path, ['--version'], { timeout });
    const version = /(\d+\.\d+(?:\.\d+)*)/.exec(`${stdout}${stderr}`)?.[1] ?? 'unknown';
    return { path, python: python ?? 'python3', version };
  })();
  return found;
}

async function withTempFile<T>(content: string, use: (file: string, dir: string) => Promise<T>) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cloud-init-'));
  try {
    const file = join(dir, 'input.yaml');
    await writeFile(file, content);
    return await use(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function outputOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const { stdout, stderr, message } = err as {
    stdout?: unknown;
    stderr?: unknown;
    message?: unknown;
  };
  const text = [stdout, stderr].filter((part): part is string => typeof part === 'string').join('');
  return text || (typeof message === 'string' ? message : '');
}

function failure(what: string, err: unknown): Error {
  return new Error(`${what}:\n${outputOf(err).trim()}`);
}

const moduleKeysScript = `
import json
from cloudinit.config.schema import get_schema
schema = get_schema()
known = set(schema.get("properties", {}))
for definition in schema.get("$defs", {}).values():
    known |= set(definition.get("properties", {}))
print(json.dumps(sorted(known)))
`;

let moduleKeys: Promise<Set<string>> | undefined;

/** Top-level keys cloud-init's schema declares (its modules' keys), read once. */
function cloudConfigKeys(cloudInit: CloudInit): Promise<Set<string>> {
  moduleKeys ??= run(cloudInit.python, ['-c', moduleKeysScript], { timeout }).then(
    ({ stdout }) => new Set(JSON.parse(stdout) as string[]),
  );
  return moduleKeys;
}

/** Rejects unless cloud-init accepts `userData` as cloud-config. */
export async function validateUserData(userData: string): Promise<CloudInit> {
  const cloudInit = await findCloudInit();
  await withTempFile(userData, async (file) => {
    try {
      await run(cloudInit.path, ['schema', '--config-file', file], { timeout });
    } catch (err: unknown) {
      throw failure(`cloud-init ${cloudInit.version} schema rejected the user-data`, err);
    }
  });
  const known = await cloudConfigKeys(cloudInit);
  const document: unknown = parse(userData, { version: '1.1' });
  const keys = typeof document === 'object' && document !== null ? Object.keys(document) : [];
  const unknown = keys.filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `user-data has keys no cloud-init ${cloudInit.version} module reads: ${unknown.join(', ')}`,
    );
  }
  return cloudInit;
}

const Nameservers = Type.Object(
  {
    addresses: Type.Optional(Type.Array(Type.String())),
    search: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
const Route = Type.Object(
  { to: Type.String(), via: Type.Optional(Type.String()), metric: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);
const Ethernet = Type.Object(
  {
    match: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          macaddress: Type.Optional(Type.String()),
          driver: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    'set-name': Type.Optional(Type.String()),
    dhcp4: Type.Optional(Type.Boolean()),
    dhcp6: Type.Optional(Type.Boolean()),
    addresses: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9A-Fa-f:.]+/[0-9]{1,3}$' }))),
    gateway4: Type.Optional(Type.String()),
    gateway6: Type.Optional(Type.String()),
    mtu: Type.Optional(Type.Integer()),
    nameservers: Type.Optional(Nameservers),
    routes: Type.Optional(Type.Array(Route)),
    optional: Type.Optional(Type.Boolean()),
    wakeonlan: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
/** The documented network-config version 2 structure, for the ethernets Slipway writes. */
export const NetworkConfigV2 = Type.Object(
  {
    version: Type.Literal(2),
    renderer: Type.Optional(Type.Union([Type.Literal('networkd'), Type.Literal('NetworkManager')])),
    ethernets: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:*-]+$' }), Ethernet, {
      additionalProperties: false,
    }),
  },
  { additionalProperties: false },
);
const networkConfigCheck = TypeCompiler.Compile(NetworkConfigV2);

/** What cloud-init's renderers made of a network-config, by renderer, files joined. */
export type RenderedNetwork = Record<'eni' | 'networkd' | 'netplan', string>;

async function readTree(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const contents = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  return contents.join('\n');
}

/** Rejects unless `networkConfig` is valid version 2 that cloud-init's renderers accept. */
export async function validateNetworkConfig(networkConfig: string): Promise<RenderedNetwork> {
  const document: unknown = parse(networkConfig, { version: '1.1' });
  const errors = [...networkConfigCheck.Errors(document)].map((e) => `${e.path}: ${e.message}`);
  if (errors.length > 0) {
    throw new Error(`network-config is not valid version 2:\n${errors.join('\n')}`);
  }
  const cloudInit = await findCloudInit();
  const rendered: Partial<RenderedNetwork> = {};
  await withTempFile(networkConfig, async (file, dir) => {
    const renderers = ['eni', 'networkd', 'netplan'] as const;
    await Promise.all(
      renderers.map(async (renderer) => {
        const out = join(dir, renderer);
        const args = [
          'devel',
          'net-convert',
          '-p',
          file,
          '-k',
          'yaml',
          '-D',
          'debian',
          '-d',
          out,
          '-O',
          renderer,
        ];
        try {
          await run(cloudInit.path, args, { timeout });
        } catch (err: unknown) {
          throw failure(
            `cloud-init ${cloudInit.version} could not render the network-config with ${renderer}`,
            err,
          );
        }
        rendered[renderer] = await readTree(out);
      }),
    );
  });
  return rendered as RenderedNetwork;
}

const metaDataScript = `
import sys
from cloudinit import util
data = util.load_yaml(open(sys.argv[1]).read(), default=None)
assert isinstance(data, dict), "meta-data is not a mapping"
for key in ("instance-id", "local-hostname"):
    assert isinstance(data.get(key), str) and data[key], key + " is missing or not a string"
`;

/** Rejects unless cloud-init's loader reads `metaData` with a string instance-id and local-hostname. */
export async function validateMetaData(metaData: string): Promise<void> {
  const cloudInit = await findCloudInit();
  await withTempFile(metaData, async (file) => {
    try {
      await run(cloudInit.python, ['-c', metaDataScript, file], { timeout });
    } catch (err: unknown) {
      throw failure('cloud-init rejected the meta-data', err);
    }
  });
}
