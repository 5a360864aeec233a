// Whole-system tests on the Proxmox VE API emulator: the emulator runs in the test
// process (its guests serve their K3s APIs on 127.x addresses), the real `slipway server`
// in its own process, driven by the real CLI.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startProxmoxEmulator,
  type ProxmoxEmulator,
  type ProxmoxEmulatorOptions,
} from '../src/emulators/proxmox/index.ts';
import { cli, startServerProcess, type ServerProcess } from './support.ts';

export interface ProxmoxWorld {
  emulator: ProxmoxEmulator;
  server: ServerProcess;
  dataDir: string;
  env: Record<string, string>;
  /** Start the server again on the same data directory (after a kill). */
  restartServer(): Promise<ServerProcess>;
  close(): Promise<void>;
}

export async function startProxmoxWorld(options: ProxmoxEmulatorOptions): Promise<ProxmoxWorld> {
  const emulator = await startProxmoxEmulator(options);
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-pve-e2e-'));
  let server = await startServerProcess(dataDir);
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const world: ProxmoxWorld = {
    emulator,
    server,
    dataDir,
    env: {
      SLIPWAY_SERVER: server.url,
      SLIPWAY_TOKEN: token,
      SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true',
      SLIPWAY_CONFIG: join(dataDir, 'no-such-config.yaml'),
    },
    async restartServer() {
      server = await startServerProcess(dataDir);
      world.server = server;
      world.env = { ...world.env, SLIPWAY_SERVER: server.url };
      return server;
    },
    async close() {
      try {
        await world.server.stop();
      } finally {
        await emulator.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
  return world;
}

/** The Secret, Credential and template a Proxmox cluster needs, as one manifest. */
export function proxmoxBaseManifests(
  emulator: ProxmoxEmulator,
  template: {
    name: string;
    controlPlanes: number;
    workers: number;
    machine?: Record<string, unknown>;
    credentialConfig?: Record<string, unknown>;
  },
): string {
  const machine = {
    template: { name: 'ubuntu-2404-k3s' },
    vcpu: 2,
    memoryMiB: 2048,
    stopGraceSec: 0,
    guestAgentTimeoutSec: 120,
    ...template.machine,
  };
  const config = {
    url: emulator.url,
    tokenId: emulator.token.tokenId,
    fingerprint: emulator.fingerprint,
    ...template.credentialConfig,
  };
  return [
    {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Secret',
      metadata: { name: 'pve-token', namespace: 'slipway-system' },
      stringData: { tokenSecret: emulator.token.secret },
    },
    {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Credential',
      metadata: { name: 'pve', namespace: 'slipway-system' },
      spec: { provider: 'proxmox', secretRef: { name: 'pve-token' }, config },
    },
    {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'ClusterTemplate',
      metadata: { name: template.name, namespace: 'slipway-system' },
      spec: {
        provider: 'proxmox',
        distribution: { name: 'k3s', version: 'v1.31.4+k3s1' },
        defaults: {
          controlPlaneNumber: template.controlPlanes,
          workersNumber: template.workers,
          machine,
        },
      },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n---\n');
}

export function ipPoolManifest(name: string, addresses: string, prefix = 24): string {
  return JSON.stringify({
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'IPPool',
    metadata: { name },
    spec: { addresses: [addresses], prefix },
  });
}

export function clusterManifest(
  name: string,
  template: string,
  extra: { network?: Record<string, unknown>; config?: Record<string, unknown> } = {},
): string {
  return JSON.stringify({
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name, namespace: 'default' },
    spec: {
      template,
      credential: 'pve',
      ...(extra.network ? { network: extra.network } : {}),
      ...(extra.config ? { config: extra.config } : {}),
    },
  });
}

export async function apply(world: ProxmoxWorld, manifests: string): Promise<void> {
  const applied = await cli(['apply', '-f', '-'], world.env, { stdin: manifests });
  assert.equal(applied.code, 0, applied.stderr);
}

export async function listJson<T>(world: ProxmoxWorld, args: string[]): Promise<T[]> {
  const result = await cli(['get', ...args, '-o', 'json'], world.env);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { items: T[] }).items;
}

/** `slipway wait` for Ready; resolves with the seconds it took. */
export async function waitReady(world: ProxmoxWorld, cluster: string, timeoutSec = 240) {
  const started = Date.now();
  const waited = await cli(
    ['wait', `clusterdeployment/${cluster}`, '--for=condition=Ready', `--timeout=${timeoutSec}s`],
    world.env,
  );
  if (waited.code !== 0) {
    const described = await cli(['describe', `clusterdeployment/${cluster}`], world.env);
    const machines = await cli(['get', 'machines', '-o', 'wide'], world.env);
    assert.fail(`${cluster} not Ready: ${waited.stderr}\n${described.stdout}\n${machines.stdout}`);
  }
  return (Date.now() - started) / 1000;
}

/** Wait until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `slipway delete … --wait` for these clusters, then nothing of theirs is left: no VM
 * (templates aside), no NoCloud ISO, no IPAddress, and no request the schema refused.
 */
export async function deleteLeavingNothing(
  world: ProxmoxWorld,
  clusters: string[],
  timeoutSec = 300,
): Promise<void> {
  const deleted = await cli(
    ['delete', 'clusterdeployments', ...clusters, '--wait', `--timeout=${timeoutSec}s`],
    world.env,
  );
  assert.equal(deleted.code, 0, deleted.stderr);
  await world.emulator.settle();
  assert.deepEqual(
    world.emulator.vms().filter((vm) => !vm.template),
    [],
    'no VM left',
  );
  assert.deepEqual(world.emulator.isos(), [], 'no ISO left');
  await eventually('no IPAddress left', async () => {
    return (await listJson(world, ['ipaddresses', '-A'])).length === 0;
  });
  world.emulator.assertNoViolations();
}
