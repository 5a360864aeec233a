// The `sim` infrastructure provider: the InfrastructureProvider contract on top of the
// simulated hypervisor. See docs/providers/infrastructure.md for what it simulates.
import type {
  CredentialCheck,
  DeleteObservation,
  InfrastructureProvider,
  Inventory,
  MachineObservation,
  MachineRequest,
  ProviderCredential,
} from '../types.ts';
import { SimErrorReasons, SimProviderError } from './faults.ts';
import type { SimHypervisor } from './hypervisor.ts';
import { resolveLatencyProfile, type LatencyProfile } from './latency.ts';
import { observeVM, SimMachineReasons } from './observation.ts';
import type { SimVMIdentity } from './vm-store.ts';

/** Credential reasons (the names of src/api's CredentialReasons). */
const CredentialValid = 'CredentialValid';

function profileName(value: unknown): string {
  if (typeof value !== 'string') throw new Error('latencyProfile must be a profile name');
  return value;
}

function credentialProblem(credential: ProviderCredential): CredentialCheck | undefined {
  if (credential.config['fail'] === true) {
    return {
      ok: false,
      reason: SimErrorReasons.AuthenticationFailed,
      message: `sim: credential ${credential.ref} is configured to fail (config.fail: true)`,
    };
  }
  const profile = credential.config['latencyProfile'];
  if (profile !== undefined) {
    try {
      resolveLatencyProfile(profileName(profile));
    } catch (err: unknown) {
      return {
        ok: false,
        reason: SimErrorReasons.InvalidSettings,
        message: (err as Error).message,
      };
    }
  }
  return undefined;
}

function requireCredential(credential: ProviderCredential): void {
  const problem = credentialProblem(credential);
  if (problem) throw new SimProviderError(problem.reason, problem.message, false);
}

function identityOf(request: MachineRequest): SimVMIdentity {
  return {
    namespace: request.namespace,
    clusterName: request.clusterName,
    machineName: request.machineName,
    machineUID: request.machineUID,
  };
}

/** `settings.latencyProfile`, else the credential's `config.latencyProfile`, else none. */
function profileOf(request: MachineRequest): LatencyProfile | undefined {
  const name = request.settings['latencyProfile'] ?? request.credential.config['latencyProfile'];
  if (name === undefined) return undefined;
  try {
    return resolveLatencyProfile(profileName(name));
  } catch (err: unknown) {
    throw new SimProviderError(SimErrorReasons.InvalidSettings, (err as Error).message, false);
  }
}

/** `fn`'s result as a promise; what it throws becomes a rejection, as in an async call. */
function settled<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

const inventory: Inventory = {
  nodes: [{ name: 'sim-node-1', online: true, memoryFreeMiB: 262_144 }],
  templates: [{ id: 'sim-debian-12', name: 'Debian 12 (cloud-init)' }],
  storages: [{ name: 'sim-local', shared: true }],
  networks: [{ name: 'sim-net' }],
  flavors: [
    { name: 'small', vcpu: 2, memoryMiB: 2_048, diskGiB: 20 },
    { name: 'medium', vcpu: 4, memoryMiB: 8_192, diskGiB: 40 },
    { name: 'large', vcpu: 8, memoryMiB: 16_384, diskGiB: 80 },
  ],
};

/**
 * The `sim` provider over a hypervisor (which the caller opens and closes).
 *
 * @example
 *   const hypervisor = await openSimHypervisor({ dataDir, registry, profile: 'fast' });
 *   const sim = createSimProvider(hypervisor);
 *   const obs = await sim.reconcileMachine(request); // { state: 'Creating', reason: 'CloningVM', … }
 */
export function createSimProvider(hypervisor: SimHypervisor): InfrastructureProvider {
  return {
    name: 'sim',

    checkCredential: (credential, signal) =>
      settled((): CredentialCheck => {
        signal?.throwIfAborted();
        return (
          credentialProblem(credential) ?? {
            ok: true,
            reason: CredentialValid,
            message: 'sim: accepted (the simulated hypervisor checks no secrets)',
          }
        );
      }),

    inventory: (credential, signal) =>
      settled(() => {
        signal?.throwIfAborted();
        requireCredential(credential);
        return structuredClone(inventory);
      }),

    async reconcileMachine(request, signal): Promise<MachineObservation> {
      signal?.throwIfAborted();
      requireCredential(request.credential);
      const profile = profileOf(request);
      const vm = await hypervisor.ensureVM({
        ...identityOf(request),
        role: request.role,
        bootstrap: request.bootstrap,
        ...(profile ? { profile } : {}),
        ...(request.powerState ? { powerState: request.powerState } : {}),
      });
      return observeVM(vm, hypervisor.now());
    },

    async observeMachine(request, signal) {
      signal?.throwIfAborted();
      requireCredential(request.credential);
      const vm = await hypervisor.findVM(identityOf(request));
      return vm && observeVM(vm, hypervisor.now());
    },

    async deleteMachine(request, signal): Promise<DeleteObservation> {
      signal?.throwIfAborted();
      requireCredential(request.credential);
      const vm = await hypervisor.deleteVM(identityOf(request));
      if (!vm) {
        return { gone: true, reason: SimMachineReasons.VMDeleted, message: 'no sim VM is left' };
      }
      const { reason, message } = observeVM(vm, hypervisor.now());
      return { gone: false, reason, ...(message !== undefined ? { message } : {}) };
    },
  };
}
