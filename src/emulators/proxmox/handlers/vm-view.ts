// How a VM looks from the API: its config as GET …/config returns it (integers and
// booleans as JSON numbers, as PVE's config parser makes them), and the status fields
// shared by status/current, the node's VM list and /cluster/resources.
import { requireInt, requireNode, type EmulatorCore, type HandlerContext } from '../core.ts';
import { vmConfigLock } from '../locks.ts';
import {
  configDigest,
  isDriveKey,
  parseDrive,
  parsePropertyString,
  parseSize,
  propertyValue,
  isCdrom,
} from '../config-format.ts';
import { noConfigFile, serverError } from '../errors.ts';
import type { VmState } from '../state.ts';

const integerKeys = new Set([
  'balloon',
  'cores',
  'cpuunits',
  'migrate_speed',
  'shares',
  'smp',
  'snaptime',
  'sockets',
  'vcpus',
]);
const numberKeys = new Set(['cpulimit', 'migrate_downtime']);
const booleanKeys = new Set([
  'acpi',
  'allow-ksm',
  'autostart',
  'ciupgrade',
  'freeze',
  'keephugepages',
  'kvm',
  'localtime',
  'numa',
  'onboot',
  'protection',
  'reboot',
  'tablet',
  'tdf',
  'template',
]);

/** GET …/config: the flat map plus `digest`. */
export function configJson(vm: VmState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of vm.config) {
    if (integerKeys.has(key) || numberKeys.has(key)) out[key] = Number(value);
    else if (booleanKeys.has(key)) out[key] = /^(1|true|yes|on)$/i.test(value) ? 1 : 0;
    else out[key] = value;
  }
  out['digest'] = configDigest(vm.config);
  return out;
}

/** The VM at /nodes/{node}/qemu/{vmid}; PVE reads its config file on that node only. */
export function vmOn(ctx: HandlerContext): VmState {
  const node = requireNode(ctx);
  const vmid = requireInt(ctx, 'vmid');
  const vm = ctx.core.state.vms.get(vmid);
  if (!vm || vm.node !== node) throw noConfigFile(node, vmid);
  return vm;
}

/**
 * PVE::QemuConfig->lock_config: take the VM's config lock file (waiting up to lockWaitMs,
 * as lock_file does), read the config again (it may be gone by then) and run `work`.
 */
export async function withConfigLock<T>(
  core: EmulatorCore,
  vm: VmState,
  work: (current: VmState) => T | Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const lock = vmConfigLock(vm.node, vm.vmid);
  const release = await core.locks.acquire(lock.key, 'exclusive', {
    timeoutMs: core.options.timing.lockWaitMs,
    timeoutMessage: lock.timeoutMessage,
    ...(signal ? { signal } : {}),
  });
  try {
    if (signal?.aborted) throw new Error('interrupted by signal');
    const current = core.state.vms.get(vm.vmid);
    if (!current || current.node !== vm.node) throw noConfigFile(vm.node, vm.vmid);
    return await work(current);
  } finally {
    release();
  }
}

/** PVE::QemuConfig->check_lock: "VM is locked (clone)" (a lock value left in the config). */
export function assertUnlocked(vm: VmState): void {
  const lock = vm.config.get('lock');
  if (lock) throw serverError(`VM is locked (${lock})`);
}

export function isTemplate(vm: VmState): boolean {
  return /^(1|true|yes|on)$/i.test(vm.config.get('template') ?? '');
}

/** The `agent` option: `1`, or `enabled=1,fstrim_cloned_disks=1`. */
export function agentEnabled(vm: VmState): boolean {
  const items = parsePropertyString(vm.config.get('agent') ?? '0');
  const enabled = propertyValue(items, 'enabled') ?? propertyValue(items, '') ?? '0';
  return /^(1|true|yes|on)$/i.test(enabled);
}

export function memoryMiB(vm: VmState): number {
  const value = vm.config.get('memory') ?? '512';
  const current = value.includes('=') ? /current=(\d+)/.exec(value)?.[1] : value;
  return Number(current ?? 512);
}

export function cpusOf(vm: VmState): number {
  return Number(vm.config.get('cores') ?? 1) * Number(vm.config.get('sockets') ?? 1);
}

/** Size of the boot disk (first disk that is no CD-ROM). */
export function rootDiskBytes(vm: VmState): number {
  for (const key of [...vm.config.keys()].sort()) {
    if (!isDriveKey(key)) continue;
    const drive = parseDrive(vm.config.get(key) ?? '');
    if (isCdrom(drive)) continue;
    return parseSize(propertyValue(drive.items, 'size') ?? '0') ?? 0;
  }
  return 0;
}

export function uptimeOf(vm: VmState): number {
  return vm.power === 'running' && vm.startedAt
    ? Math.floor((Date.now() - vm.startedAt) / 1000)
    : 0;
}

/** Status fields common to status/current, GET /nodes/{node}/qemu and /cluster/resources. */
export function vmStatusFields(vm: VmState): Record<string, unknown> {
  const running = vm.power === 'running';
  const maxmem = memoryMiB(vm) * 1024 * 1024;
  const out: Record<string, unknown> = {
    vmid: vm.vmid,
    name: vm.config.get('name') ?? `VM ${vm.vmid}`,
    status: vm.power,
    cpus: cpusOf(vm),
    cpu: running ? 0.02 : 0,
    maxmem,
    mem: running ? Math.floor(maxmem * 0.4) : 0,
    maxdisk: rootDiskBytes(vm),
    disk: 0,
    uptime: uptimeOf(vm),
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (running && vm.pid) out['pid'] = vm.pid;
  const lock = vm.config.get('lock');
  if (lock) out['lock'] = lock;
  const tags = vm.config.get('tags');
  if (tags) out['tags'] = tags;
  if (isTemplate(vm)) out['template'] = 1;
  return out;
}
