// Changing a VM's config (POST/PUT …/config): the privilege each option needs, `delete`,
// NICs (a MAC is generated when none is given), CD-ROMs (the ISO's storage must exist
// and be readable), new disks (`storage:SIZE`) and everything else stored as given.
// Simplified: changes apply at once, also on a running VM (PVE keeps some pending).
import { paramText, type HandlerContext } from '../core.ts';
import {
  configDigest,
  formatSize,
  isCdrom,
  isDriveKey,
  parseDrive,
  parseNet,
  printNet,
  printPropertyString,
  propertyValue,
  splitVolid,
  withProperty,
  type Drive,
} from '../config-format.ts';
import { parameterError, serverError } from '../errors.ts';
import { mayAny, requirePrivileges } from '../permission-check.ts';
import { isFileStorage, type VmState } from '../state.ts';
import { storageOnNode } from './storage.ts';

/** Parameters that steer the update rather than being config options. */
const controlKeys = new Set([
  'node',
  'vmid',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'background_delay',
  'force',
]);

const cpuKeys = new Set([
  'cores',
  'sockets',
  'cpu',
  'cpulimit',
  'cpuunits',
  'vcpus',
  'affinity',
  'numa',
]);
const memoryKeys = new Set(['memory', 'balloon', 'shares']);
const cloudinitKeys = /^(ci.*|ipconfig\d+|sshkeys|nameserver|searchdomain)$/;
const hwKeys =
  /^(scsihw|vga|serial\d+|usb\d+|hostpci\d+|parallel\d+|audio0|rng0|machine|bios|tpmstate0|efidisk0|watchdog|ivshmem|tablet|keyboard|arch)$/;

/** The privilege PVE's check_vm_modify_config_perm wants for one option. */
export function privilegeFor(key: string, value: string | undefined): string {
  if (isDriveKey(key) || key === 'boot' || key === 'bootdisk' || /^unused\d+$/.test(key)) {
    return value !== undefined && isCdrom(parseDrive(value)) ? 'VM.Config.CDROM' : 'VM.Config.Disk';
  }
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  if (cpuKeys.has(key)) return 'VM.Config.CPU';
  if (memoryKeys.has(key)) return 'VM.Config.Memory';
  if (cloudinitKeys.test(key)) return 'VM.Config.Cloudinit';
  if (hwKeys.test(key)) return 'VM.Config.HWType';
  return 'VM.Config.Options';
}

export interface ConfigChange {
  set: [string, string][];
  delete: string[];
  digest?: string;
  skiplock: boolean;
}

/** Read and check the change before anything runs (PVE does these checks up front). */
export function planConfigChange(ctx: HandlerContext, vm: VmState): ConfigChange {
  const set: [string, string][] = [];
  for (const [key, raw] of Object.entries(ctx.params)) {
    const value = paramText(raw);
    if (controlKeys.has(key) || value === undefined) continue;
    set.push([key, value]);
  }
  const deleteText = ctx.params['delete'];
  const deletes = typeof deleteText === 'string' ? deleteText.split(/[,;\s]+/).filter(Boolean) : [];
  const both = deletes.filter((key) => set.some(([k]) => k === key));
  if (both.length > 0) {
    throw parameterError(
      Object.fromEntries(both.map((k) => [k, `conflicting values for option '${k}' in 'delete'`])),
    );
  }
  const skiplock = ctx.params['skiplock'] === '1' || ctx.params['skiplock'] === true;
  if (skiplock && ctx.caller.userid !== 'root@pam')
    throw parameterError({ skiplock: 'Only root may use this option.' });
  for (const [key, value] of set)
    requirePrivileges(ctx.caller, `/vms/${vm.vmid}`, [privilegeFor(key, value)]);
  for (const key of deletes)
    requirePrivileges(ctx.caller, `/vms/${vm.vmid}`, [privilegeFor(key, vm.config.get(key))]);
  for (const [key, value] of set) checkOption(ctx, vm, key, value);
  const digest = ctx.params['digest'];
  return { set, delete: deletes, skiplock, ...(typeof digest === 'string' ? { digest } : {}) };
}

function checkOption(ctx: HandlerContext, vm: VmState, key: string, value: string): void {
  if (/^net\d+$/.test(key)) {
    const bridge = parseNet(value).bridge;
    if (bridge !== undefined) {
      requirePrivileges(ctx.caller, `/sdn/zones/localnetwork/${bridge}`, ['SDN.Use']);
    }
  }
  if (!isDriveKey(key)) return;
  const drive = parseDrive(value);
  const volume = splitVolid(drive.file);
  if (!volume) return;
  storageOnNode(ctx, volume.storage, vm.node);
  const privileges = isCdrom(drive)
    ? ['Datastore.AllocateSpace', 'Datastore.Audit']
    : ['Datastore.AllocateSpace'];
  if (!mayAny(ctx.caller, `/storage/${volume.storage}`, privileges)) {
    requirePrivileges(ctx.caller, `/storage/${volume.storage}`, [privileges[0] ?? '']);
  }
}

/** Apply a planned change under the VM's config (lock and digest checked again, as PVE does). */
export function applyConfigChange(ctx: HandlerContext, vm: VmState, change: ConfigChange): void {
  if (change.digest !== undefined && change.digest !== configDigest(vm.config)) {
    throw serverError('detected modified configuration - file changed by other user? Try again.');
  }
  const lock = vm.config.get('lock');
  if (lock && !change.skiplock) throw serverError(`VM is locked (${lock})`);
  for (const key of change.delete) {
    const old = vm.config.get(key);
    vm.config.delete(key);
    if (old !== undefined && isDriveKey(key) && !isCdrom(parseDrive(old))) {
      const file = parseDrive(old).file;
      let n = 0;
      while (vm.config.has(`unused${n}`)) n++;
      if (splitVolid(file)) vm.config.set(`unused${n}`, file);
    }
  }
  for (const [key, value] of change.set) {
    if (/^net\d+$/.test(key)) vm.config.set(key, printNet(parseNet(value)));
    else if (isDriveKey(key)) vm.config.set(key, driveValue(ctx, vm, value));
    else if (key === 'tags')
      vm.config.set(key, [...new Set(value.split(/[;, ]+/).filter(Boolean))].join(';'));
    else vm.config.set(key, value);
  }
}

/**
 * `storage:cloudinit` allocates the VM's cloud-init volume as qemu-server's create_disks
 * does (`vm-<vmid>-cloudinit`, 4 MiB, a CD-ROM); PVE fills it at start.
 */
function cloudInitDriveValue(ctx: HandlerContext, vm: VmState, drive: Drive, storageId: string) {
  const storage = storageOnNode(ctx, storageId, vm.node);
  const format = isFileStorage(storage) ? (propertyValue(drive.items, 'format') ?? 'qcow2') : 'raw';
  const name = `vm-${vm.vmid}-cloudinit`;
  const volname = isFileStorage(storage) ? `${vm.vmid}/${name}.${format}` : name;
  if (!ctx.core.state.findVolume(`${storage.id}:${volname}`, vm.node)) {
    ctx.core.state.addVolume({
      storage: storage.id,
      ...(storage.shared ? {} : { node: vm.node }),
      volname,
      content: 'images',
      format,
      size: 4 * 1024 * 1024,
      vmid: vm.vmid,
      ctime: Math.floor(Date.now() / 1000),
    });
  }
  const items = drive.items.filter(
    ([k, v]) => !(k === '' && v === drive.file) && k !== 'file' && k !== 'format' && k !== 'media',
  );
  return printPropertyString([['', `${storage.id}:${volname}`], ...items, ['media', 'cdrom']]);
}

/** `storage:SIZE` allocates a new disk of SIZE GiB; anything else is stored as given. */
function driveValue(ctx: HandlerContext, vm: VmState, value: string): string {
  const drive = parseDrive(value);
  const volume = splitVolid(drive.file);
  if (volume?.volname === 'cloudinit') return cloudInitDriveValue(ctx, vm, drive, volume.storage);
  const size =
    volume && /^\d+(\.\d+)?$/.exec(volume.volname) && !isCdrom(drive)
      ? Number(volume.volname)
      : undefined;
  if (!volume || size === undefined) return value;
  const storage = storageOnNode(ctx, volume.storage, vm.node);
  const format =
    storage.type === 'lvmthin' ? 'raw' : (propertyValue(drive.items, 'format') ?? 'qcow2');
  const volname = ctx.core.state.freeDiskName(storage, vm.node, vm.vmid, format);
  const bytes = Math.round(size * 1024 ** 3);
  ctx.core.state.addVolume({
    storage: storage.id,
    ...(storage.shared ? {} : { node: vm.node }),
    volname,
    content: 'images',
    format,
    size: bytes,
    vmid: vm.vmid,
    ctime: Math.floor(Date.now() / 1000),
  });
  const items = drive.items.filter(
    ([k, v]) => !(k === '' && v === drive.file) && k !== 'file' && k !== 'format',
  );
  return printPropertyString(
    withProperty([['', `${storage.id}:${volname}`], ...items], 'size', formatSize(bytes)),
  );
}
