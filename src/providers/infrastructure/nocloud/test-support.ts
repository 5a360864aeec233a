// Test support for the NoCloud ISO tests: the real ISO tools and cloud-init (Debian
// packages genisoimage, xorriso, util-linux, cloud-init; scripts/test-system-packages.sh
// installs them before `npm test`). A missing tool FAILS the test with the package to
// install, never skips it: a green run must mean the real tools looked.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findCloudInit } from '../../bootstrap/cloud-init/validator.ts';
import { createK3sBootstrapProvider } from '../../bootstrap/k3s/index.ts';
import type { NoCloudFiles } from './nocloud-iso.ts';

const execFileAsync = promisify(execFile);
/** blkid lives in /usr/sbin, which a CI user's PATH may lack; dates shown in UTC. */
const env = { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`, TZ: 'UTC' };

const packages = {
  isoinfo: 'genisoimage',
  genisoimage: 'genisoimage',
  xorriso: 'xorriso',
  blkid: 'util-linux',
};
export type Tool = keyof typeof packages;

/** Runs one of the ISO tools; a missing tool is an error that names its Debian package. */
export async function runTool(
  tool: Tool,
  args: string[],
): Promise<{ stdout: Buffer; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(tool, args, {
      env,
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    return { stdout, stderr: stderr.toString('utf8') };
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === 'ENOENT') {
      throw new Error(
        `${tool} is not installed, so the ISO cannot be checked by the real tools. Install the ` +
          `Debian package ${packages[tool]} (bash scripts/test-system-packages.sh does).`,
        { cause: err },
      );
    }
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8') ?? '';
    throw new Error(`${tool} ${args.join(' ')} failed: ${String(err)}\n${stderr}`, { cause: err });
  }
}

export async function runToolText(tool: Tool, args: string[]): Promise<string> {
  return (await runTool(tool, args)).stdout.toString('utf8');
}

/** A temporary directory for the duration of `use`. */
export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-nocloud-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `image` to a file in `dir` and returns its path. */
export async function imageFile(dir: string, image: Buffer, name = 'seed.iso'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, image);
  return path;
}

/** The files of a NoCloud seed under the names cloud-init reads. */
export function seedEntries(files: NoCloudFiles): [string, string][] {
  const entries: [string, string][] = [
    ['user-data', files.userData],
    ['meta-data', files.metaData],
  ];
  if (files.networkConfig !== undefined) entries.push(['network-config', files.networkConfig]);
  if (files.vendorData !== undefined) entries.push(['vendor-data', files.vendorData]);
  return entries;
}

const provider = createK3sBootstrapProvider({ now: () => new Date('2026-03-01T12:00:00Z') });
const secrets = provider.generateClusterSecrets({ clusterName: 'demo', namespace: 'team-a' });

/**
 * What Slipway really puts on a seed: the K3s bootstrap provider's user-data for a first
 * control plane (the cluster's CAs and keys, ~8 KB), its meta-data and a static
 * network-config v2. `extraFileBytes` adds a random file to write_files (base64), to
 * make user-data span many sectors.
 */
export async function realisticSeed(extraFileBytes = 0): Promise<NoCloudFiles> {
  const files =
    extraFileBytes === 0
      ? []
      : [
          {
            path: '/opt/seed/blob',
            content: randomBytes(extraFileBytes).toString('base64'),
            encoding: 'b64',
          },
        ];
  const rendered = await provider.renderMachineBootstrap({
    clusterName: 'demo',
    namespace: 'team-a',
    machineName: 'demo-cp-x7k2p',
    machineUID: '6f1c2b1e-0d7a-4a51-9d7e-0c8f2f1a9b3c',
    role: 'control-plane',
    initialize: true,
    version: 'v1.31.4+k3s1',
    endpoint: { host: '10.0.0.10', port: 6443 },
    secrets: await secrets,
    values: { files },
    network: {
      address: '10.0.0.21',
      prefix: 24,
      gateway: '10.0.0.1',
      dnsServers: ['10.0.0.2', '10.0.0.3'],
      interfaceName: 'ens18',
    },
  });
  if (rendered.networkConfig === undefined) throw new Error('expected a network-config');
  return {
    userData: rendered.userData,
    metaData: rendered.metaData,
    networkConfig: rendered.networkConfig,
    vendorData: '#cloud-config\npackage_update: false\n',
  };
}

/** What cloud-init's DataSourceNoCloud made of an image (see read-with-cloud-init.py). */
export interface CloudInitReading {
  found: boolean;
  seed?: string;
  metadata?: Record<string, unknown>;
  userdata_b64?: string;
  vendordata_b64?: string;
  network_config?: unknown;
  instance_id?: string;
  userdata_parts?: string[];
}

const readerScript = join(dirname(fileURLToPath(import.meta.url)), 'read-with-cloud-init.py');

/** Runs cloud-init's own NoCloud data source on the image file at `path`. */
export async function readWithCloudInit(path: string): Promise<CloudInitReading> {
  const { python } = await findCloudInit();
  try {
    const { stdout } = await execFileAsync(python, [readerScript, path], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    return JSON.parse(stdout) as CloudInitReading;
  } catch (err: unknown) {
    const stderr = (err as { stderr?: unknown }).stderr;
    throw new Error(`cloud-init's NoCloud reader failed: ${String(err)}\n${String(stderr)}`, {
      cause: err,
    });
  }
}
