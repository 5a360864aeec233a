// The infrastructure provider contract: what every hypervisor or host backend (sim,
// proxmox, openstack, ssh) implements. Controllers call only this; providers never
// import the API server, the store or the controllers. See docs/providers/infrastructure.md.

/** A credential as a provider sees it: non-secret settings plus the decoded secret values. */
export interface ProviderCredential {
  /** `namespace/name` of the Credential, for messages. */
  ref: string;
  config: Readonly<Record<string, unknown>>;
  secret: Readonly<Record<string, string>>;
}

export interface CredentialCheck {
  ok: boolean;
  /** CamelCase reason for the Credential's Ready condition, e.g. `AuthenticationFailed`. */
  reason: string;
  message: string;
}

/** Boot data rendered by the bootstrap provider, delivered by the infrastructure provider. */
export interface BootstrapData {
  /** cloud-init user-data (`#cloud-config …`). */
  userData: string;
  /** cloud-init meta-data (instance-id, local-hostname). */
  metaData: string;
  /** cloud-init network-config v2, when the machine gets a static address. */
  networkConfig?: string;
}

export interface MachineAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname';
  address: string;
}

/** How the machine's first NIC is addressed (absent: the provider decides, as sim does). */
export interface MachineNetwork {
  mode: 'static' | 'dhcp';
  /** Locally administered unicast MAC the provider MUST give the first NIC; network-config matches on it. */
  macAddress: string; // e.g. "02:5a:…", derived deterministically from the Machine uid
  address?: string;
  prefix?: number;
  gateway?: string;
  dnsServers?: string[];
  searchDomains?: string[]; // static only
}

/**
 * Whether the machine should be running. `Off` is hibernation: the VM and its disks are
 * kept, powered off. Absent means `On`.
 */
export type MachinePowerState = 'On' | 'Off';

/** Everything a provider needs to find or create one machine. */
export interface MachineRequest {
  /** Stable identity: the same values on every call for the same Machine object. */
  namespace: string;
  clusterName: string;
  machineName: string;
  /** Machine object uid: providers tag VMs with it to find them again (adoption). */
  machineUID: string;
  role: 'control-plane' | 'worker';
  /** Provider-specific settings merged from the template values (size, placement, …). */
  settings: Readonly<Record<string, unknown>>;
  credential: ProviderCredential;
  bootstrap: BootstrapData;
  network?: MachineNetwork;
  /** Desired power state (absent: `On`). See reconcileMachine. */
  powerState?: MachinePowerState;
}

/** A machine as the provider sees it right now. */
export type MachineState =
  | 'Creating' // clone/create in progress
  | 'Stopped' // exists, powered off
  | 'Starting' // power-on in progress or booting
  | 'Running' // powered on, addresses known
  | 'Stopping' // power-off in progress (powerState 'Off')
  | 'Failed'; // exists but broken beyond retry (the message says why)

/**
 * The reason of a Running machine with nothing to add about its boot. Any other reason on
 * a Running machine says how its boot goes (sim's `WaitingForServer`, `JoinFailed`,
 * `BootFailed`); the Machine controller shows it on NodeReady until the node registers.
 */
export const MachineRunningReason = 'VMRunning';

export interface MachineObservation {
  state: MachineState;
  /** Stable provider ID, e.g. `sim://default/demo-cp-abcde` or `proxmox://cluster/node/vmid`. */
  providerID?: string;
  addresses: MachineAddress[];
  /** CamelCase progress or failure reason, e.g. `CloningVM`, `WaitingForGuestAgent`. */
  reason: string;
  message?: string;
}

export interface DeleteObservation {
  /** True once the provider has confirmed nothing is left (VM, disks, ISO images). */
  gone: boolean;
  reason: string;
  message?: string;
}

/** Choices shown in forms: what a credential can reach. */
export interface Inventory {
  nodes?: { name: string; online: boolean; memoryFreeMiB?: number }[];
  templates?: { id: string; name: string; node?: string }[];
  storages?: { name: string; node?: string; shared?: boolean }[];
  networks?: { name: string; node?: string }[];
  flavors?: { name: string; vcpu: number; memoryMiB: number; diskGiB?: number }[];
}

export interface InfrastructureProvider {
  /** Registry name, used in ClusterTemplate.spec.provider and Credential.spec.provider. */
  readonly name: string;
  checkCredential(credential: ProviderCredential, signal?: AbortSignal): Promise<CredentialCheck>;
  inventory(credential: ProviderCredential, signal?: AbortSignal): Promise<Inventory>;
  /**
   * Take the next step toward a running machine and report where it stands. MUST be
   * idempotent: find the machine by its identity first (adopting one created before a
   * crash), create only when none exists, never create a second one. Starts a stopped
   * machine. Throws a retryable error for transient faults; reports `Failed` only for
   * what retrying cannot fix.
   *
   * With `powerState: 'Off'` the next step is toward a machine that exists powered off:
   * a running machine is shut down (cleanly first, then hard after the provider's
   * grace period) and reported `Stopped` once it is off; a stopped machine is left
   * stopped and MUST NOT be started; a machine still being created finishes and is then
   * stopped. Nothing is deleted.
   */
  reconcileMachine(request: MachineRequest, signal?: AbortSignal): Promise<MachineObservation>;
  /**
   * Look without changing anything: undefined when the machine does not exist (drift
   * detection uses this).
   */
  observeMachine(
    request: MachineRequest,
    signal?: AbortSignal,
  ): Promise<MachineObservation | undefined>;
  /**
   * Take the next step toward the machine being gone; MUST succeed (gone: true) when it
   * is already gone, and be safe to call repeatedly.
   */
  deleteMachine(request: MachineRequest, signal?: AbortSignal): Promise<DeleteObservation>;
}
