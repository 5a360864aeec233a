// What every step of one machine's reconcile works with, and how observations are made.
import type { MachineNetwork, MachineObservation, MachineRequest, MachineState } from '../types.ts';
import type { CreateContext } from './create-vm.ts';
import type { FoundVM } from './find-vm.ts';
import type { MachineRecord } from './machine-state.ts';
import type { SshBootstrapper } from './ssh-bootstrap.ts';

export interface MachineContext extends CreateContext {
  request: MachineRequest;
  network?: MachineNetwork;
  now: () => number;
  /** proxmox-cloudinit: the SSH sessions that deliver the user-data. */
  ssh: SshBootstrapper;
}

/**
 * The providerID of a VM: its VMID, which Proxmox never changes (the node does, when a
 * VM migrates), and which one Proxmox cluster never gives two VMs at once.
 */
export function providerIDOf(vmid: number): string {
  return `proxmox://${vmid}`;
}

/** The machine's network, when the controller allocated one (absent: DHCP, net0's own MAC). */
export function networkOf(request: MachineRequest): MachineNetwork | undefined {
  return request.network;
}

export function observation(
  state: MachineState,
  reason: string,
  message: string,
  vmid?: number,
  addresses: MachineObservation['addresses'] = [],
): MachineObservation {
  return {
    state,
    reason,
    message,
    addresses,
    ...(vmid !== undefined ? { providerID: providerIDOf(vmid) } : {}),
  };
}

/** The record of a VM found in Proxmox, made when this process did not create it. */
export function adoptRecord(
  ctx: Pick<MachineContext, 'records' | 'identity'>,
  vm: FoundVM,
  memoryMiB = 0,
): MachineRecord {
  const existing = ctx.records.get(ctx.identity.machineUID);
  if (existing && existing.vmid === vm.vmid) {
    existing.node = vm.node;
    return existing;
  }
  const record: MachineRecord = {
    uid: ctx.identity.machineUID,
    vmid: vm.vmid,
    node: vm.node,
    cluster: `${ctx.identity.namespace}/${ctx.identity.clusterName}`,
    role: ctx.identity.role,
    memoryMiB,
    templateVmid: 0,
    tasks: {},
  };
  ctx.records.set(record);
  return record;
}
