// The `proxmox` infrastructure provider: machines as VMs cloned from a golden template on
// Proxmox VE, booted from a NoCloud ISO (or Proxmox's own cloud-init), found again by
// the machine uid in their description. See docs/providers/proxmox.md.
import type { TSchema } from '@sinclair/typebox';
import type {
  DeleteObservation,
  InfrastructureProvider,
  MachineObservation,
  MachineRequest,
} from '../types.ts';
import { ProxmoxClientCache, type ProxmoxApiFactory } from './clients.ts';
import { networkOf, type MachineContext } from './context.ts';
import { checkProxmoxCredential } from './credential-check.ts';
import { readProxmoxCredential } from './credential.ts';
import { deleteStep } from './delete-vm.ts';
import type { MachineIdentity } from './identity.ts';
import { readInventory } from './inventory.ts';
import { CloneSlots, KeyedMutex } from './limiter.ts';
import { MachineRecords } from './machine-state.ts';
import { observeStep, reconcileStep } from './reconcile.ts';
import { ProxmoxMachineSettings, readProxmoxSettings, settingsDefaults } from './settings.ts';
import { SshBootstrapper } from './ssh-bootstrap.ts';
import { ProxmoxView } from './view.ts';
import { VmidReservations } from './vmid.ts';

export interface ProxmoxProviderOptions {
  /** Makes API clients (tests inject one with short retry delays). */
  apiFactory?: ProxmoxApiFactory;
  now?: () => number;
  /** How often background task polls ask Proxmox (default 1 s). */
  taskPollMs?: number;
  /** Longest a task is followed (default 30 min). */
  taskTimeoutMs?: number;
  /** How old a shared VM or node list may be (default 1 s). */
  listMaxAgeMs?: number;
  /** A client unused this long is closed (default 5 min). */
  clientIdleMs?: number;
  /** proxmox-cloudinit: the guests' SSH port (default 22) and the wait between logins (5 s). */
  ssh?: { port?: number; retryMs?: number };
}

export interface ProxmoxProvider extends InfrastructureProvider {
  /** JSON Schema of the machine settings (template values `machine: {...}`). */
  readonly settingsSchema: TSchema;
  /** Stop following tasks and close API clients (the tasks go on in Proxmox). */
  close(): Promise<void>;
}

function identityOf(request: MachineRequest): MachineIdentity {
  return {
    namespace: request.namespace,
    clusterName: request.clusterName,
    machineName: request.machineName,
    machineUID: request.machineUID,
    role: request.role,
  };
}

/** Delete needs the ISO storage and stop grace even when the settings no longer parse. */
function deleteSettings(settings: Readonly<Record<string, unknown>>) {
  try {
    const s = readProxmoxSettings(settings);
    return { isoStorage: s.isoStorage, stopGraceSec: s.stopGraceSec };
  } catch {
    const iso = settings['isoStorage'];
    const grace = settings['stopGraceSec'];
    return {
      isoStorage: typeof iso === 'string' ? iso : settingsDefaults.isoStorage,
      stopGraceSec: typeof grace === 'number' && grace >= 0 ? grace : settingsDefaults.stopGraceSec,
    };
  }
}

/**
 * The Proxmox provider.
 *
 * @example
 *   const proxmox = createProxmoxProvider();
 *   const registry = createInfrastructureRegistry([sim, proxmox]);
 *   // …
 *   await proxmox.close();
 */
export function createProxmoxProvider(options: ProxmoxProviderOptions = {}): ProxmoxProvider {
  const now = options.now ?? Date.now;
  const clients = new ProxmoxClientCache(options.apiFactory, options.clientIdleMs);
  const views = new WeakMap<object, ProxmoxView>();
  const records = new MachineRecords({
    pollMs: options.taskPollMs ?? 1_000,
    timeoutMs: options.taskTimeoutMs ?? 30 * 60_000,
    now,
  });
  const slots = new CloneSlots();
  const ssh = new SshBootstrapper({ ...options.ssh, now });
  const reservations = new VmidReservations(60_000, now);
  const mutex = new KeyedMutex();
  const placementLock = new KeyedMutex();

  function session(credentialInput: MachineRequest['credential']) {
    const credential = readProxmoxCredential(credentialInput);
    const api = clients.get(credential.cacheKey, credential.connection);
    let view = views.get(api);
    if (!view) {
      view = new ProxmoxView(api, options.listMaxAgeMs ?? 1_000, now);
      views.set(api, view);
    }
    return { credential, api, view };
  }

  function context(request: MachineRequest, signal?: AbortSignal): MachineContext {
    const settings = readProxmoxSettings(request.settings);
    const { credential, api, view } = session(request.credential);
    const network = networkOf(request);
    return {
      api,
      view,
      records,
      slots,
      reservations,
      placementLock,
      credential,
      settings,
      identity: identityOf(request),
      request,
      now,
      ssh,
      ...(network ? { network } : {}),
      ...(signal ? { signal } : {}),
    };
  }

  return {
    name: 'proxmox',
    settingsSchema: ProxmoxMachineSettings,

    checkCredential: (credential, signal) => checkProxmoxCredential(clients, credential, signal),

    async inventory(credential, signal) {
      signal?.throwIfAborted();
      const { api, view } = session(credential);
      return readInventory(api, view, signal);
    },

    reconcileMachine(request, signal): Promise<MachineObservation> {
      return mutex.run(request.machineUID, async () => {
        signal?.throwIfAborted();
        return reconcileStep(context(request, signal));
      });
    },

    async observeMachine(request, signal) {
      signal?.throwIfAborted();
      return observeStep(context(request, signal));
    },

    deleteMachine(request, signal): Promise<DeleteObservation> {
      return mutex.run(request.machineUID, async () => {
        signal?.throwIfAborted();
        const { credential, api, view } = session(request.credential);
        const step = await deleteStep({
          api,
          view,
          records,
          slots,
          reservations,
          placementLock,
          credential,
          identity: identityOf(request),
          request,
          now,
          ssh,
          ...deleteSettings(request.settings),
          ...(signal ? { signal } : {}),
        });
        if (step.gone) ssh.forgetMachine(request.machineUID);
        return step;
      });
    },

    async close() {
      await ssh.close();
      await records.close();
      await clients.closeAll();
    },
  };
}
