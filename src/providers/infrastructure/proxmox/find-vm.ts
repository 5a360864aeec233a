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
  /** This process started a clone that has not finished (or failed: see its task). */
  | { kind: 'creating'; record: MachineRecord }
  /**
   * Clones run that this process did not start, and until a clone ends its VM has
   * neither name nor description: one of them may be this machine's, made before a
   * restart. Nothing is created or deleted until they end.
   */
  | { kind: 'unknown-clones'; vmids: number[] }
  | { kind: 'absent' };

/**
 * Proxmox's config of a VM whose clone runs: `# qmclone temporary file` and
 * `lock: clone`; name and description come only when the clone ends.
 */
export function isCloneInProgress(config: VMConfig | undefined): boolean {
  return config?.['lock'] === 'clone' && machineUIDOf(descriptionOf(config)) === undefined;
}

function descriptionOf(config: VMConfig | undefined): string {
  const description = config?.['description'];
  return typeof description === 'string' ? description : '';
}

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
    if (config && machineUIDOf(descriptionOf(config)) === uid) {
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
    if (config && machineUIDOf(descriptionOf(config)) === uid) {
      match = { vmid: record.vmid, node: record.node, config };
    } else if (isCloneInProgress(config) && record.tasks.clone?.state !== 'failed') {
      return { kind: 'creating', record };
    } else if (!config && runningTask(record, 'clone')) {
      return { kind: 'creating', record };
    } else if (!config && record.tasks.clone?.state === 'failed') {
      // The clone failed and cleaned up after itself: the caller reports the failure.
      return { kind: 'creating', record };
    }
  }
  if (!match) {
    let all = await vmsWithUID(api, view, input.machineName, uid, input.maxAgeMs, signal);
    // "No VM" leads to a clone: confirm it on a list fetched now, not a moment ago.
    if (all.length === 0) all = await vmsWithUID(api, view, input.machineName, uid, 0, signal);
    if (all.length === 0 && (await cloningVMs(view, records)).length > 0) {
      // Clones run that this process did not start. Ask whether clone tasks are active
      // first, then list again: a clone that ended in between has its name and
      // description by then, and one still locked after no task ran is a stale lock.
      const active = await clonesActive(api, view, signal);
      all = await vmsWithUID(api, view, input.machineName, uid, 0, signal);
      const still = await cloningVMs(view, records);
      if (all.length === 0 && active && still.length > 0) {
        return { kind: 'unknown-clones', vmids: still };
      }
    }
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

/** VMs under a clone lock that this process did not start (in the last VM list read). */
async function cloningVMs(view: ProxmoxView, records: MachineRecords): Promise<number[]> {
  let vms;
  try {
    vms = await view.vms();
  } catch (err: unknown) {
    throw providerError(err, 'listing VMs');
  }
  const ours = new Set(records.all().map((r) => r.vmid));
  return vms.filter((vm) => vm.lock === 'clone' && !ours.has(vm.vmid)).map((vm) => vm.vmid);
}

/**
 * Whether any node runs a clone task now (a `lock: clone` left by a clone that died with
 * its node is not waited for). When it cannot tell, it says yes: better to wait than to
 * make a second VM.
 */
async function clonesActive(api: ProxmoxApi, view: ProxmoxView, signal?: AbortSignal) {
  let nodes;
  try {
    nodes = (await view.nodes()).filter((n) => n.online).map((n) => n.name);
  } catch {
    return true;
  }
  for (const node of nodes) {
    try {
      const active = await api.get<unknown[]>(
        apiPath`/nodes/${node}/tasks`,
        { source: 'active', typefilter: 'qmclone' },
        signal ? { signal } : {},
      );
      if ((active ?? []).length > 0) return true;
    } catch {
      return true;
    }
  }
  return false;
}
