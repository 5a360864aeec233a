// Finding a machine's VM. A VM is the machine's only when its description carries the
// machine's uid (the clone call sets name and description together); a VM with the same
// name and no uid, or another uid, is someone else's and is never touched. A VM this
// process is creating is read by its VMID, so a VM list a moment old cannot hide it.
import { apiPath } from './api/index.ts';
import type { ProxmoxApi } from './clients.ts';
import { hasKind, providerError } from './errors.ts';
import { machineUIDOf } from './identity.ts';
import { runningTask, type MachineRecord, type MachineRecords } from './machine-state.ts';
import type { VMConfig } from './vm-config.ts';
import type { ProxmoxView } from './view.ts';

/** `GET …/status/current` (the fields used). */
export interface VMStatus {
  status?: string;
  qmpstatus?: string;
  lock?: string;
  uptime?: number;
  agent?: number;
  maxmem?: number;
}

export interface FoundVM {
  vmid: number;
  node: string;
  config: VMConfig;
  status: VMStatus;
  /** Other VMs with this machine's uid (a duplicate left by a race or crash). */
  duplicates: { vmid: number; node: string }[];
}

export type FindResult =
  | { kind: 'found'; vm: FoundVM }
  /** This process started a clone whose VM Proxmox does not show yet. */
  | { kind: 'creating'; record: MachineRecord }
  | { kind: 'absent' };

async function readConfig(api: ProxmoxApi, node: string, vmid: number, signal?: AbortSignal) {
  try {
    return await api.get<Record<string, unknown>>(
      apiPath`/nodes/${node}/qemu/${vmid}/config`,
      undefined,
      signal ? { signal } : {},
    );
  } catch (err: unknown) {
    if (hasKind(err, 'not-found')) return undefined;
    throw providerError(err, `reading the config of VM ${vmid} on ${node}`);
  }
}

export async function readStatus(
  api: ProxmoxApi,
  node: string,
  vmid: number,
  signal?: AbortSignal,
): Promise<VMStatus | undefined> {
  try {
    return await api.get<VMStatus>(
      apiPath`/nodes/${node}/qemu/${vmid}/status/current`,
      undefined,
      signal ? { signal } : {},
    );
  } catch (err: unknown) {
    if (hasKind(err, 'not-found')) return undefined;
    throw providerError(err, `reading the status of VM ${vmid} on ${node}`);
  }
}

/** VMs (vmid, node, config) whose description carries `uid`, lowest VMID first. */
async function vmsWithUID(
  api: ProxmoxApi,
  view: ProxmoxView,
  machineName: string,
  uid: string,
  maxAgeMs: number | undefined,
  signal?: AbortSignal,
): Promise<{ vmid: number; node: string; config: VMConfig }[]> {
  let vms;
  try {
    vms = await view.vms(maxAgeMs);
  } catch (err: unknown) {
    throw providerError(err, 'listing VMs');
  }
  const named = vms.filter((vm) => vm.name === machineName && vm.template !== 1);
  const found: { vmid: number; node: string; config: VMConfig }[] = [];
  for (const vm of named) {
    const config = await readConfig(api, vm.node, vm.vmid, signal);
    const description = typeof config?.['description'] === 'string' ? config['description'] : '';
    if (config && machineUIDOf(description) === uid) {
      found.push({ vmid: vm.vmid, node: vm.node, config });
    }
  }
  return found.sort((a, b) => a.vmid - b.vmid);
}

/**
 * The machine's VM with its config and power state, a clone still on its way, or
 * absent. `maxAgeMs` bounds the age of the VM list used when nothing is remembered.
 */
export async function findMachineVM(input: {
  api: ProxmoxApi;
  view: ProxmoxView;
  records: MachineRecords;
  machineName: string;
  uid: string;
  maxAgeMs?: number;
  signal?: AbortSignal;
}): Promise<FindResult> {
  const { api, view, records, uid, signal } = input;
  const record = records.get(uid);
  let match: { vmid: number; node: string; config: VMConfig } | undefined;
  let duplicates: { vmid: number; node: string }[] = [];
  if (record) {
    const config = await readConfig(api, record.node, record.vmid, signal);
    const description = typeof config?.['description'] === 'string' ? config['description'] : '';
    if (config && machineUIDOf(description) === uid) {
      match = { vmid: record.vmid, node: record.node, config };
    } else if (!config && runningTask(record, 'clone')) {
      return { kind: 'creating', record };
    } else if (!config && record.tasks.clone?.state === 'failed') {
      // The clone failed and cleaned up after itself: the caller reports the failure.
      return { kind: 'creating', record };
    }
  }
  if (!match) {
    const all = await vmsWithUID(api, view, input.machineName, uid, input.maxAgeMs, signal);
    match = all[0];
    duplicates = all.slice(1).map(({ vmid, node }) => ({ vmid, node }));
    if (record && (!match || match.vmid !== record.vmid)) {
      // What this process remembered is gone (deleted, or never made it).
      if (!runningTask(record, 'clone')) records.delete(uid);
    }
  }
  if (!match) return { kind: 'absent' };
  const status = await readStatus(api, match.node, match.vmid, signal);
  if (!status) return { kind: 'absent' };
  return { kind: 'found', vm: { ...match, status, duplicates } };
}
