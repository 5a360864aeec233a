// A Proxmox VE API emulator on one HTTPS listener: the API's paths below /api2/json,
// checked against the official schema both ways, over a simulated cluster whose guests
// boot from their NoCloud ISO and form simulated K3s clusters. See docs/emulators/proxmox.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSimClusterRegistry } from '../../providers/infrastructure/sim/child-api/registry.ts';
import { Authenticator } from './auth.ts';
import type { EmulatorCore } from './core.ts';
import { GuestManager, type ChildClusterView } from './guest/manager.ts';
import { destroyDisks, powerOff } from './handlers/qemu-power.ts';
import { createApiListener } from './http/api-handler.ts';
import { Recorder, type RequestRecord, type Violation } from './http/recorder.ts';
import { LockTable } from './locks.ts';
import { resolveOptions, type ProxmoxEmulatorOptions, type ProxmoxFaults } from './options.ts';
import { emulatorRoutes } from './routes.ts';
import { loadPveSchema } from './schema/load.ts';
import { ClusterState, volid } from './state.ts';
import { TaskManager } from './tasks.ts';
import { createEmulatorTls } from './tls.ts';

export type { ProxmoxEmulatorOptions, ProxmoxFaults } from './options.ts';
export type { Violation, RequestRecord } from './http/recorder.ts';

export interface EmulatedVm {
  vmid: number;
  node: string;
  name: string;
  template: boolean;
  status: string;
  tags: string[];
  lock?: string;
  config: Record<string, string>;
  /** How the guest booted (once it did): its address, cloud-init status, problems. */
  boot?: { address?: string; cloudInit: string; message?: string };
}

export interface EmulatedIso {
  storage: string;
  /** The node of a local storage; '' on shared storage. */
  node: string;
  volid: string;
  size: number;
}

export interface ProxmoxEmulator {
  /** `https://<host>:<port>` (the API is below /api2/json). */
  url: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  /** SHA-256 of the serving certificate, `AA:BB:…`. */
  fingerprint: string;
  /** The first configured token. */
  token: { tokenId: string; secret: string };
  /** Injected faults; change them at run time. */
  faults: ProxmoxFaults;
  violations: Violation[];
  /** The last requests (method, path below /api2/json, status). */
  requests: RequestRecord[];
  /** Throws, listing them, when any request or answer violated the schema. */
  assertNoViolations(): void;
  vms(): EmulatedVm[];
  isos(): EmulatedIso[];
  /** The VM and its disks disappear behind the client's back. */
  vanishVM(vmid: number): Promise<void>;
  /** The VM powers off behind the client's back. */
  stopVM(vmid: number): Promise<void>;
  /**
   * Leave a lock value in the VM's config (or clear it), as a PVE daemon that died during
   * a clone does: operations then fail "VM is locked (<lock>)" until root clears it.
   */
  setLock(vmid: number, lock: string | undefined): void;
  /** The simulated K3s clusters the guests formed. */
  childClusters(): ChildClusterView[];
  /** Wait until no task runs (tests). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start an emulator.
 *
 * @example
 * const pve = await startProxmoxEmulator({ timing: { cloneMs: 50 } });
 * // Authorization: PVEAPIToken=${pve.token.tokenId}=${pve.token.secret}
 * await fetch(`${pve.url}/api2/json/version`, …);
 * await pve.stop();
 */
export async function startProxmoxEmulator(
  options: ProxmoxEmulatorOptions = {},
): Promise<ProxmoxEmulator> {
  const resolved = resolveOptions(options);
  const schema = resolved.schemaPath ? loadPveSchema(resolved.schemaPath) : loadPveSchema();
  const ownDataDir = resolved.dataDir === undefined;
  const dataDir = resolved.dataDir ?? (await mkdtemp(join(tmpdir(), 'slipway-pve-emulator-')));
  const registry = openSimClusterRegistry({ dataDir });
  const state = new ClusterState(resolved);
  const auth = new Authenticator(resolved.tokens, resolved.users);
  const core: EmulatorCore = {
    options: resolved,
    state,
    tasks: new TaskManager(),
    locks: new LockTable(),
    guests: new GuestManager(state, resolved, registry),
    auth,
    random: Math.random,
  };
  const recorder = new Recorder(resolved.requestLogSize);
  const tls = await createEmulatorTls(resolved.host, resolved.nodes[0]?.name ?? 'pve1');
  const server: Server = createServer(
    { cert: tls.cert, key: tls.key },
    createApiListener({ core, schema, auth, routes: emulatorRoutes(), recorder }),
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const first = resolved.tokens[0] ?? { tokenId: '', secret: '' };

  const emulator: ProxmoxEmulator = {
    url: `https://${host}:${port}`,
    caPem: tls.caPem,
    fingerprint: tls.fingerprint,
    token: { tokenId: first.tokenId, secret: first.secret },
    faults: resolved.faults,
    violations: recorder.violations,
    requests: recorder.requests,
    assertNoViolations() {
      if (recorder.violations.length === 0) return;
      const lines = recorder.violations.map((v) => `  ${v.method} ${v.path}: ${v.problem}`);
      throw new Error(
        `Proxmox emulator: ${lines.length} schema violation(s):\n${lines.join('\n')}`,
      );
    },
    vms: () =>
      [...state.vms.values()]
        .sort((a, b) => a.vmid - b.vmid)
        .map((vm) => {
          const lock = vm.config.get('lock');
          const boot = core.guests.bootState(vm.vmid);
          return {
            vmid: vm.vmid,
            node: vm.node,
            name: vm.config.get('name') ?? '',
            template: /^(1|true|yes|on)$/i.test(vm.config.get('template') ?? ''),
            status: vm.power,
            tags: (vm.config.get('tags') ?? '').split(/[;, ]+/).filter(Boolean),
            config: Object.fromEntries(vm.config),
            ...(lock ? { lock } : {}),
            ...(boot ? { boot } : {}),
          };
        }),
    isos: () =>
      state
        .allVolumes()
        .filter((v) => v.content === 'iso')
        .map((v) => ({ storage: v.storage, node: v.node ?? '', volid: volid(v), size: v.size })),
    async vanishVM(vmid) {
      const vm = state.vms.get(vmid);
      if (!vm) return;
      await powerOff(core, vm);
      destroyDisks(state, vm, true, { log: () => {}, warn: () => {} });
      state.vms.delete(vmid);
      await core.guests.destroyed(vm);
    },
    async stopVM(vmid) {
      const vm = state.vms.get(vmid);
      if (vm) await powerOff(core, vm);
    },
    setLock(vmid, lock) {
      const vm = state.vms.get(vmid);
      if (!vm) return;
      if (lock === undefined) vm.config.delete('lock');
      else vm.config.set('lock', lock);
    },
    childClusters: () => core.guests.childClusters(),
    settle: () => core.tasks.settle(),
    async stop() {
      core.tasks.abortAll();
      await core.tasks.settle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await core.guests.close();
      registry.close();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return emulator;
}
