// The guests: what runs inside a started VM. After bootMs the guest reads its attached
// cidata ISO (as cloud-init's NoCloud source would), configures its NIC from the seed's
// network-config (or DHCP), runs K3s as the user-data says (sim machinery: it joins or
// creates a simulated cluster, and a server serves the cluster's API at its address),
// and its guest agent answers agentMs later. Stopping a VM makes its node NotReady and
// closes its API; destroying a cluster's last server VM drops the cluster.
import {
  readNoCloudIso,
  type NoCloudFiles,
} from '../../../providers/infrastructure/nocloud/index.ts';
import {
  localHostnameFrom,
  readCloudConfig,
} from '../../../providers/infrastructure/sim/cloud-config.ts';
import type { PersistentSimClusterRegistry } from '../../../providers/infrastructure/sim/child-api/registry.ts';
import type { SimNode } from '../../../providers/infrastructure/sim/child-cluster-types.ts';
import type { SimBootOutcome } from '../../../providers/infrastructure/sim/node-boot.ts';
import { isCdrom, isDriveKey, parseDrive, parseNet, splitVolid } from '../config-format.ts';
import type { ResolvedOptions } from '../options.ts';
import type { ClusterState, VmState } from '../state.ts';
import { runGuestCommand, type ExecResult, type GuestView } from './agent-exec.ts';
import { ApiEndpoints } from './api-endpoints.ts';
import { guestInterfaces, type AgentInterface } from './interfaces.ts';
import { bootK3sGuest } from './k3s-guest.ts';
import { DhcpPool, nicAddressing, type GuestNic, type NicAddressing } from './network.ts';
import { proxmoxCloudInitOf, type ProxmoxCloudInitData } from './proxmox-cloudinit.ts';
import { runSshCommand } from './ssh-commands.ts';
import { GuestSshServers, type GuestCommandResult } from './ssh-server.ts';

/** Port of the guests' SSH servers (proxmox-cloudinit guests on 127/8 addresses). */
export const guestSshPort = 22;

interface Guest {
  generation: number;
  timers: Set<NodeJS.Timeout>;
  agentReadyAt?: number;
  nic?: GuestNic & { name: string; address?: string; prefix: number };
  view: GuestView & { cloudInitErrors: string[] };
  seed?: NoCloudFiles;
  outcome?: SimBootOutcome;
  problem?: string;
  execs: Map<number, readonly string[]>;
  /** An SSH command waiting for K3s to start or fail (proxmox-cloudinit). */
  sshWaiter?: (result: GuestCommandResult) => void;
}

interface Membership {
  clusterId: string;
  nodeName: string;
  role: 'server' | 'agent';
}

export interface ChildClusterView {
  id: string;
  nodes: SimNode[];
  /** Addresses its API answers at (port guestApiPort). */
  endpoints: string[];
}

export class GuestManager {
  readonly #state: ClusterState;
  readonly #options: ResolvedOptions;
  readonly #registry: PersistentSimClusterRegistry;
  readonly endpoints: ApiEndpoints;
  readonly #dhcp: DhcpPool;
  readonly #guests = new Map<number, Guest>();
  readonly #members = new Map<number, Membership>();
  readonly #ssh = new GuestSshServers();
  /** Files stored over SSH per VM (they live on its disk: kept across restarts). */
  readonly #disks = new Map<number, Map<string, Buffer>>();
  /** User-data applied over SSH per VM: K3s, installed by it, starts again at boot. */
  readonly #applied = new Map<number, string>();

  constructor(
    state: ClusterState,
    options: ResolvedOptions,
    registry: PersistentSimClusterRegistry,
  ) {
    this.#state = state;
    this.#options = options;
    this.#registry = registry;
    this.endpoints = new ApiEndpoints(registry, options.guestApiPort);
    this.#dhcp = new DhcpPool(options.dhcpRange);
  }

  #later(guest: Guest, ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      guest.timers.delete(timer);
      fn().catch(() => {}); // a boot problem is recorded on the guest, never thrown
    }, ms);
    guest.timers.add(timer);
  }

  /** The VM has started: its OS boots after bootMs. */
  started(vm: VmState): void {
    const guest: Guest = {
      generation: vm.generation,
      timers: new Set(),
      view: {
        hostname: `vm-${vm.vmid}`,
        cloudInit: 'running',
        cloudInitErrors: [],
        files: new Map(),
      },
      execs: new Map(),
    };
    this.#guests.set(vm.vmid, guest);
    this.#later(guest, this.#options.timing.bootMs, () => this.#boot(vm, guest));
  }

  #current(vm: VmState, guest: Guest): boolean {
    return (
      this.#guests.get(vm.vmid) === guest &&
      vm.generation === guest.generation &&
      vm.power === 'running'
    );
  }

  /** The first cidata CD-ROM cloud-init would find. */
  #seed(vm: VmState, guest: Guest): NoCloudFiles | undefined {
    for (const key of [...vm.config.keys()].sort()) {
      const value = vm.config.get(key) ?? '';
      if (!isDriveKey(key) || !isCdrom(parseDrive(value))) continue;
      const file = parseDrive(value).file;
      if (!splitVolid(file)) continue;
      const data = this.#state.findVolume(file, vm.node)?.data;
      if (!data) continue;
      try {
        return readNoCloudIso(data);
      } catch (err: unknown) {
        if (/WrongLabel|NotIso9660/.test((err as { reason?: string }).reason ?? '')) continue;
        guest.view.cloudInitErrors.push(`DataSourceNoCloud: ${(err as Error).message}`);
      }
    }
    return undefined;
  }

  #takenAddresses(except: number): Set<string> {
    const taken = new Set<string>();
    for (const [vmid, g] of this.#guests)
      if (vmid !== except && g.nic?.address) taken.add(g.nic.address);
    return taken;
  }

  async #boot(vm: VmState, guest: Guest): Promise<void> {
    if (!this.#current(vm, guest)) return;
    const seed = this.#seed(vm, guest);
    const pve = proxmoxCloudInitOf(vm.config);
    if (seed && pve) {
      guest.view.cloudInitErrors.push(
        `two cidata devices (${pve.drive} is Proxmox's cloud-init drive): cloud-init picks one by device path`,
      );
    }
    const net0 = vm.config.get('net0');
    if (net0 !== undefined) {
      const parsed = parseNet(net0);
      const nic = {
        kernelName: 'ens18',
        mac: (parsed.macaddr ?? '').toLowerCase(),
        driver: parsed.model === 'virtio' ? 'virtio_net' : parsed.model,
      };
      let addressing: ReturnType<typeof nicAddressing> = { kind: 'dhcp', name: nic.kernelName };
      try {
        addressing =
          pve && !seed
            ? proxmoxAddressing(pve, nic.kernelName)
            : nicAddressing(seed?.networkConfig, nic);
      } catch (err: unknown) {
        guest.view.cloudInitErrors.push((err as Error).message);
      }
      const address =
        addressing.kind === 'static'
          ? addressing.address
          : this.#dhcp.lease(nic.mac, this.#takenAddresses(vm.vmid));
      const prefix = addressing.kind === 'static' ? addressing.prefix : this.#dhcp.prefix();
      guest.nic = { ...nic, name: addressing.name, prefix, ...(address ? { address } : {}) };
    }
    guest.agentReadyAt = Date.now() + this.#options.timing.agentMs;
    if (!seed && pve) {
      await this.#bootProxmoxCloudInit(vm, guest, pve);
      return;
    }
    if (!seed) {
      guest.view.cloudInit = guest.view.cloudInitErrors.length > 0 ? 'error' : 'disabled';
      return;
    }
    guest.seed = seed;
    try {
      const view = readCloudConfig(seed.userData);
      guest.view.files = view.files;
      guest.view.hostname =
        view.hostname ?? localHostnameFrom(seed.metaData) ?? guest.view.hostname;
    } catch (err: unknown) {
      guest.view.cloudInitErrors.push((err as Error).message);
    }
    await this.#runK3s(vm, guest);
  }

  /**
   * A guest booted from Proxmox's cloud-init drive: cloud-init made `ciuser` with the
   * `sshkeys` and set the address, and sshd listens there. K3s installed over SSH
   * before (this VM's disk) starts again.
   */
  async #bootProxmoxCloudInit(vm: VmState, guest: Guest, pve: ProxmoxCloudInitData) {
    guest.view.cloudInit = guest.view.cloudInitErrors.length > 0 ? 'error' : 'done';
    const address = guest.nic?.address;
    if (address?.startsWith('127.')) {
      const files = this.#disks.get(vm.vmid) ?? new Map<string, Buffer>();
      this.#disks.set(vm.vmid, files);
      const problem = await this.#ssh.open(
        vm.vmid,
        address,
        guestSshPort,
        { user: pve.user, authorizedKeys: pve.keys },
        (command, stdin) =>
          runSshCommand(command, stdin, {
            files,
            applyUserData: (userData, modules) => this.#applyOverSsh(vm, guest, userData, modules),
          }),
      );
      if (problem) guest.problem = problem;
    }
    const applied = this.#applied.get(vm.vmid);
    if (applied !== undefined) {
      await this.#applyOverSsh(vm, guest, applied, ['write_files', 'runcmd', 'scripts_user']);
    }
  }

  /** `cloud-init single` runs of `modules` with this user-data, as the guest would do them. */
  async #applyOverSsh(
    vm: VmState,
    guest: Guest,
    userData: string,
    modules: readonly string[],
  ): Promise<GuestCommandResult> {
    if (!this.#current(vm, guest)) return { code: 255, stderr: 'the VM is not running\n' };
    let view: ReturnType<typeof readCloudConfig>;
    try {
      view = readCloudConfig(userData);
    } catch (err: unknown) {
      return { code: 1, stderr: `${(err as Error).message}\n` };
    }
    if (modules.includes('set_hostname') && view.hostname) guest.view.hostname = view.hostname;
    if (modules.includes('write_files')) guest.view.files = view.files;
    const runcmd = modules.indexOf('runcmd');
    if (runcmd < 0 || modules.indexOf('scripts_user') < runcmd) return { code: 0 };
    this.#applied.set(vm.vmid, userData);
    guest.seed = {
      userData,
      metaData: `instance-id: vm-${vm.vmid}\nlocal-hostname: ${view.hostname ?? guest.view.hostname}\n`,
    };
    const settled = new Promise<GuestCommandResult>((resolve) => (guest.sshWaiter = resolve));
    await this.#runK3s(vm, guest);
    return settled;
  }

  #settleSsh(guest: Guest, result: GuestCommandResult): void {
    const waiter = guest.sshWaiter;
    delete guest.sshWaiter;
    waiter?.(result);
  }

  async #runK3s(vm: VmState, guest: Guest): Promise<void> {
    if (!this.#current(vm, guest) || !guest.seed) return;
    const address = guest.nic?.address;
    const result = address
      ? await bootK3sGuest({
          vmid: vm.vmid,
          userData: guest.seed.userData,
          metaData: guest.seed.metaData,
          address,
          registry: this.#registry,
          endpoints: this.endpoints,
          guestAddresses: this.#takenAddresses(vm.vmid),
        })
      : {
          outcome: {
            status: 'failed' as const,
            reason: 'BootFailed',
            message: 'failed to find host IP: unable to select an IP from default routes',
          },
        };
    if (!this.#current(vm, guest)) {
      await this.endpoints.release(vm.vmid);
      return;
    }
    if (result.outcome) guest.outcome = result.outcome;
    else delete guest.outcome;
    if (result.problem) guest.problem = result.problem;
    const outcome = result.outcome;
    if (outcome?.clusterId && outcome.nodeName && outcome.role && outcome.status === 'joined') {
      this.#members.set(vm.vmid, {
        clusterId: outcome.clusterId,
        nodeName: outcome.nodeName,
        role: outcome.role,
      });
      guest.view.k3s = { unit: outcome.role === 'server' ? 'k3s' : 'k3s-agent', active: true };
    }
    if (!outcome || outcome.status === 'joined') {
      guest.view.cloudInit = guest.view.cloudInitErrors.length > 0 ? 'error' : 'done';
      this.#settleSsh(guest, { code: 0 });
    } else if (outcome.status === 'waiting' || outcome.reason === 'JoinFailed') {
      guest.view.k3s = { unit: outcome.role === 'server' ? 'k3s' : 'k3s-agent', active: false };
      this.#later(guest, this.#options.timing.joinRetryMs, () => this.#runK3s(vm, guest));
    } else {
      guest.view.cloudInit = 'error';
      guest.view.cloudInitErrors.push(`runcmd: K3s failed to start: ${outcome.message}`);
      this.#settleSsh(guest, {
        code: 1,
        stderr: `Job for ${outcome.role === 'server' ? 'k3s' : 'k3s-agent'}.service failed: ${outcome.message}\n`,
      });
    }
  }

  /** The VM stopped (or is about to be destroyed): the OS is gone. */
  async stopped(vm: VmState): Promise<void> {
    const guest = this.#guests.get(vm.vmid);
    if (guest) for (const timer of guest.timers) clearTimeout(timer);
    if (guest) this.#settleSsh(guest, { code: 255, stderr: 'Connection closed by remote host\n' });
    this.#guests.delete(vm.vmid);
    await this.#ssh.close(vm.vmid);
    await this.endpoints.release(vm.vmid);
    const member = this.#members.get(vm.vmid);
    if (member && this.#registry.getCluster(member.clusterId)) {
      const node = this.#registry
        .listNodes(member.clusterId)
        .find((n) => n.name === member.nodeName);
      if (node?.ready) await this.#registry.setNodeReady(member.clusterId, member.nodeName, false);
    }
  }

  /** The VM and its disks are gone; with its cluster's last server, the cluster's data too. */
  async destroyed(vm: VmState): Promise<void> {
    await this.stopped(vm);
    await this.#ssh.destroyed(vm.vmid);
    this.#disks.delete(vm.vmid);
    this.#applied.delete(vm.vmid);
    if (guestMac(vm)) this.#dhcp.release(guestMac(vm) ?? '');
    const member = this.#members.get(vm.vmid);
    this.#members.delete(vm.vmid);
    if (member?.role !== 'server') return;
    const others = [...this.#members.entries()].some(
      ([vmid, m]) =>
        m.clusterId === member.clusterId && m.role === 'server' && this.#state.vms.has(vmid),
    );
    if (!others && this.#registry.getCluster(member.clusterId))
      await this.#registry.removeCluster(member.clusterId);
  }

  /** Undefined while the agent does not answer; the interfaces once it does. */
  agentInterfaces(vm: VmState): AgentInterface[] | undefined {
    const guest = this.#guests.get(vm.vmid);
    if (!guest?.agentReadyAt || Date.now() < guest.agentReadyAt) return undefined;
    return guestInterfaces(vm.vmid, guest.nic, guest.view.k3s?.active ?? false);
  }

  agentReady(vm: VmState): boolean {
    return this.agentInterfaces(vm) !== undefined;
  }

  exec(vm: VmState, command: readonly string[]): number {
    const guest = this.#guests.get(vm.vmid);
    const pid = 1000 + (guest?.execs.size ?? 0) * 7 + Math.floor(Math.random() * 5);
    guest?.execs.set(pid, command);
    return pid;
  }

  execStatus(vm: VmState, pid: number): ExecResult | undefined {
    const guest = this.#guests.get(vm.vmid);
    const command = guest?.execs.get(pid);
    return guest && command ? runGuestCommand(command, guest.view) : undefined;
  }

  /** How the guest's boot went, for `vms()` (undefined before it booted). */
  bootState(vmid: number): { address?: string; cloudInit: string; message?: string } | undefined {
    const guest = this.#guests.get(vmid);
    if (!guest?.agentReadyAt) return undefined;
    const message = [guest.outcome?.message, guest.problem, ...guest.view.cloudInitErrors]
      .filter(Boolean)
      .join('; ');
    return {
      cloudInit: guest.view.cloudInit,
      ...(guest.nic?.address ? { address: guest.nic.address } : {}),
      ...(message ? { message } : {}),
    };
  }

  childClusters(): ChildClusterView[] {
    return this.#registry.listClusterIds().map((id) => ({
      id,
      nodes: this.#registry.listNodes(id),
      endpoints: this.endpoints.addressesOf(id),
    }));
  }

  async close(): Promise<void> {
    for (const guest of this.#guests.values())
      for (const timer of guest.timers) clearTimeout(timer);
    this.#guests.clear();
    await this.#ssh.closeAll();
    await this.endpoints.closeAll();
  }
}

/** The NIC's addressing from `ipconfig0`, as cloud-init applies PVE's network-config. */
function proxmoxAddressing(pve: ProxmoxCloudInitData, name: string): NicAddressing {
  return pve.ipconfig.kind === 'static'
    ? { kind: 'static', name, address: pve.ipconfig.address, prefix: pve.ipconfig.prefix }
    : { kind: 'dhcp', name };
}

function guestMac(vm: VmState): string | undefined {
  const net0 = vm.config.get('net0');
  return net0 ? parseNet(net0).macaddr?.toLowerCase() : undefined;
}
