// A simulated VM as the infrastructure contract reports it.
import { MachineRunningReason, type MachineAddress, type MachineObservation } from '../types.ts';
import { SimBootReasons } from './node-boot.ts';
import { providerIDOf } from './vm-lifecycle.ts';
import type { SimVM } from './vm-store.ts';

/** Reasons in sim machine observations (boot reasons come from SimBootReasons). */
export const SimMachineReasons = {
  /** The VM is being created (the sim's stand-in for cloning a template). */
  CloningVM: 'CloningVM',
  /** A stopped VM is powering on and booting. */
  StartingVM: 'StartingVM',
  /** The VM runs and its boot has nothing to report (not started yet, or the node joined). */
  VMRunning: MachineRunningReason,
  /** The VM is powered off. */
  VMStopped: 'VMStopped',
  /** Deletion is in progress. */
  DeletingVM: 'DeletingVM',
  /** Nothing is left of the VM. */
  VMDeleted: 'VMDeleted',
  ...SimBootReasons,
} as const;

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function addressesOf(vm: SimVM): MachineAddress[] {
  const addresses: MachineAddress[] = [{ type: 'InternalIP', address: vm.address }];
  if (vm.boot?.hostname) addresses.push({ type: 'Hostname', address: vm.boot.hostname });
  return addresses;
}

function running(vm: SimVM, base: MachineObservation): MachineObservation {
  const boot = vm.boot;
  if (!boot) return { ...base, reason: SimMachineReasons.VMRunning };
  if (boot.status !== 'joined') return { ...base, reason: boot.reason, message: boot.message };
  const health = vm.nodeFault
    ? 'NotReady (kubelet stopped posting status)'
    : boot.nodeReady
      ? 'Ready'
      : 'NotReady (K3s components starting)';
  return {
    ...base,
    reason: SimMachineReasons.VMRunning,
    message: `${boot.message}; node ${health}`,
  };
}

/** The observation of a VM at `now` (epoch ms, for the time-left hints). */
export function observeVM(vm: SimVM, now: number): MachineObservation {
  const providerID = providerIDOf(vm);
  const left = vm.next ? seconds(vm.next.at - now) : '';
  switch (vm.power) {
    case 'provisioning':
      return {
        state: 'Creating',
        providerID,
        addresses: [],
        reason: SimMachineReasons.CloningVM,
        message: `sim VM ${vm.vmid} is being created (about ${left} left)`,
      };
    case 'starting':
      return {
        state: 'Starting',
        providerID,
        addresses: [],
        reason: SimMachineReasons.StartingVM,
        message: `sim VM ${vm.vmid} is booting (about ${left} left)`,
      };
    case 'running':
      return running(vm, { state: 'Running', providerID, addresses: addressesOf(vm), reason: '' });
    case 'stopped':
      return {
        state: 'Stopped',
        providerID,
        addresses: [],
        reason: SimMachineReasons.VMStopped,
        message: `sim VM ${vm.vmid} is powered off`,
      };
    case 'deleting':
      return {
        state: 'Stopped',
        providerID,
        addresses: [],
        reason: SimMachineReasons.DeletingVM,
        message: `sim VM ${vm.vmid} is being deleted (about ${left} left)`,
      };
    case 'failed':
      return {
        state: 'Failed',
        providerID,
        addresses: [],
        reason: vm.failure?.reason ?? 'VMFailed',
        message: vm.failure?.message ?? `sim VM ${vm.vmid} failed`,
      };
  }
}
