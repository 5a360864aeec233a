// Tests of the Proxmox provider against the Proxmox VE API emulator: an emulator, a
// provider, a credential and helpers that drive one machine as the Machine controller
// would. Only tests import this file.
import { randomUUID } from 'node:crypto';
// eslint-disable-next-line no-restricted-imports -- test support: only tests import this file
import {
  startProxmoxEmulator,
  type ProxmoxEmulator,
  type ProxmoxEmulatorOptions,
} from '../../../emulators/proxmox/index.ts';
import type {
  DeleteObservation,
  MachineObservation,
  MachineRequest,
  ProviderCredential,
} from '../types.ts';
import { createProxmoxProvider, type ProxmoxProvider } from './provider.ts';

export interface Harness {
  emulator: ProxmoxEmulator;
  provider: ProxmoxProvider;
  credential: ProviderCredential;
  /** A new provider over the same emulator (a restarted server). */
  restart(): ProxmoxProvider;
  request(machineName: string, overrides?: Partial<MachineRequest>): MachineRequest;
  /** Reconcile until `done` holds for an observation (errors are retried, as the controller does). */
  reconcileUntil(
    request: MachineRequest,
    done: (obs: MachineObservation) => boolean,
    options?: { provider?: ProxmoxProvider; timeoutMs?: number },
  ): Promise<{ obs: MachineObservation; errors: unknown[]; seen: string[] }>;
  deleteUntilGone(request: MachineRequest): Promise<DeleteObservation[]>;
  /** VMs that are not templates. */
  machineVMs(): ReturnType<ProxmoxEmulator['vms']>;
  close(): Promise<void>;
}

export const fastTiming = {
  cloneMs: 100,
  taskMs: 20,
  bootMs: 100,
  agentMs: 100,
  lockWaitMs: 2_000,
  configLockWaitMs: 500,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface HarnessOptions extends ProxmoxEmulatorOptions {
  /** Machine settings of `request()` (default: the shared template, 1 GiB, hard stop). */
  settings?: Record<string, unknown>;
  /** The token the provider uses (default the emulator's first). */
  credentialToken?: { tokenId: string; secret: string };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { settings, credentialToken, ...emulatorOptions } = options;
  const emulator = await startProxmoxEmulator({
    guestAddresses: { dhcpRange: '127.0.30.10-127.0.30.250' },
    ...emulatorOptions,
    timing: { ...fastTiming, ...emulatorOptions.timing },
  });
  const credential: ProviderCredential = {
    ref: 'test/pve',
    config: {
      url: emulator.url,
      tokenId: (credentialToken ?? emulator.token).tokenId,
      fingerprint: emulator.fingerprint,
    },
    secret: { tokenSecret: (credentialToken ?? emulator.token).secret },
  };
  const providers: ProxmoxProvider[] = [];
  const newProvider = () => {
    const provider = createProxmoxProvider({ taskPollMs: 20, ssh: { retryMs: 250 } });
    providers.push(provider);
    return provider;
  };
  const provider = newProvider();
  const baseSettings = settings ?? {
    template: { name: 'ubuntu-2404-k3s' },
    memoryMiB: 1024,
    stopGraceSec: 0,
  };

  const harness: Harness = {
    emulator,
    provider,
    credential,
    restart: newProvider,
    request: (machineName, overrides = {}) => ({
      namespace: 'default',
      clusterName: 'demo',
      machineName,
      machineUID: randomUUID(),
      role: 'worker',
      settings: baseSettings,
      credential,
      bootstrap: {
        userData: `#cloud-config\nhostname: ${machineName}\n`,
        metaData: `instance-id: ${machineName}\nlocal-hostname: ${machineName}\n`,
      },
      ...overrides,
    }),
    async reconcileUntil(request, done, { provider: p = provider, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      const errors: unknown[] = [];
      const seen: string[] = [];
      let lastMessage = '';
      for (;;) {
        try {
          const obs = await p.reconcileMachine(request);
          if (seen.at(-1) !== obs.reason) seen.push(obs.reason);
          lastMessage = obs.message ?? '';
          if (done(obs)) return { obs, errors, seen };
        } catch (err: unknown) {
          errors.push(err);
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${request.machineName}: not done within ${timeoutMs} ms; seen ${seen.join(' → ')} (last: ${lastMessage}); errors: ${[...new Set(errors.map((e) => (e as Error).message))].slice(-3).join(' | ')}`,
          );
        }
        await sleep(25);
      }
    },
    async deleteUntilGone(request) {
      const seen: DeleteObservation[] = [];
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          const obs = await provider.deleteMachine(request);
          seen.push(obs);
          if (obs.gone) return seen;
        } catch (err: unknown) {
          if (Date.now() > deadline) throw err;
        }
        if (Date.now() > deadline) throw new Error(`${request.machineName} was not deleted`);
        await sleep(25);
      }
    },
    machineVMs: () => emulator.vms().filter((vm) => !vm.template),
    async close() {
      for (const p of providers) await p.close();
      try {
        emulator.assertNoViolations();
      } finally {
        await emulator.stop();
      }
    },
  };
  return harness;
}

export const isRunning = (obs: MachineObservation) => obs.state === 'Running';
