// The one config change that turns a fresh clone into the machine: CPU, memory, balloon,
// NIC (with the MAC the machine's address was allocated for), guest agent on, tags, extra
// disks, and the boot data: our NoCloud ISO as a CD-ROM with every Proxmox cloud-init
// drive removed (two `cidata` devices would leave cloud-init to pick one), or Proxmox's
// own cloud-init fields. Tags go in the same call, so a VM with our tags is configured.
import type { MachineNetwork } from '../types.ts';
import { hasMachineTags, withMachineTags, type MachineIdentity } from './identity.ts';
import type { ResolvedMachineSettings } from './settings.ts';
import {
  bootDisk,
  cloudInitDrives,
  desiredNic,
  freeSlot,
  parsePropertyString,
  type VMConfig,
} from './vm-config.ts';

export type { MachineNetwork };

/** Proxmox cloud-init fields for the `proxmox-cloudinit` bootstrap mode. */
export interface ProxmoxCloudInit {
  ciuser?: string;
  /** Already encoded for the API (see the client's encodeSshKeys). */
  sshkeys?: string;
  ipconfig0: string;
  nameserver?: string;
  searchdomain?: string;
}

export interface CloneConfigInput {
  config: VMConfig;
  settings: ResolvedMachineSettings;
  identity: MachineIdentity;
  network?: MachineNetwork;
  /** nocloud-iso: the uploaded ISO's volume (`local:iso/slipway-….iso`). */
  isoVolume?: string;
  /** proxmox-cloudinit: the fields to set. */
  cloudInit?: ProxmoxCloudInit;
}

/** The storage of the boot disk (`local-lvm:base-9000-disk-0/vm-101-disk-0` → `local-lvm`). */
export function bootDiskStorage(config: VMConfig): string | undefined {
  const disk = bootDisk(config);
  const value = disk ? config[disk] : undefined;
  if (typeof value !== 'string') return undefined;
  const volume = value.split(',')[0] ?? '';
  const colon = volume.indexOf(':');
  return colon > 0 ? volume.slice(0, colon) : undefined;
}

/** `ipconfig0` for Proxmox cloud-init: `ip=dhcp`, or the static address and gateway. */
export function ipconfigOf(network: MachineNetwork | undefined): string {
  if (!network || network.mode === 'dhcp' || !network.address) return 'ip=dhcp';
  const parts = [`ip=${network.address}/${network.prefix ?? 24}`];
  if (network.gateway) parts.push(`gw=${network.gateway}`);
  return parts.join(',');
}

function agentEnabled(value: unknown): boolean {
  if (value === 1 || value === '1') return true;
  if (typeof value !== 'string') return false;
  const parsed = parsePropertyString(value);
  return (parsed.get('enabled') ?? parsed.get('')) === '1';
}

/**
 * The parameters of `POST /nodes/{node}/qemu/{vmid}/config` for a fresh clone, and the
 * drive that holds the boot-data ISO (for deleting it later).
 *
 * @example
 *   cloneConfigParams({ config, settings, identity, isoVolume: 'local:iso/slipway-m1-….iso' })
 *   // { params: { cores: 2, memory: '2048', net0: 'virtio=BC:…,bridge=vmbr0', ide2: 'local:iso/…,media=cdrom', tags: 'slipway;…', … }, isoDrive: 'ide2' }
 */
export function cloneConfigParams(input: CloneConfigInput): {
  params: Record<string, string | number>;
  isoDrive?: string;
} {
  const { config, settings } = input;
  const params: Record<string, string | number> = {
    cores: settings.cores,
    sockets: settings.sockets,
    memory: String(settings.memoryMiB),
    net0: desiredNic(
      typeof config['net0'] === 'string' ? config['net0'] : undefined,
      settings.network,
      input.network?.macAddress,
    ),
    tags: withMachineTags(
      typeof config['tags'] === 'string' ? config['tags'] : undefined,
      input.identity,
    ),
  };
  if (!agentEnabled(config['agent'])) params['agent'] = 'enabled=1';
  if (settings.balloonMiB !== undefined) params['balloon'] = settings.balloonMiB;
  const remove: string[] = [];
  const taken = new Set<string>();
  let isoDrive: string | undefined;

  const ciDrives = cloudInitDrives(config);
  if (settings.bootstrapMode === 'nocloud-iso') {
    // Reuse an IDE slot a cloud-init drive held (setting and deleting one key in one call
    // is refused), else ide2, else any free IDE slot; every other cloud-init drive goes.
    isoDrive =
      ciDrives.find((d) => d.startsWith('ide')) ??
      (config['ide2'] === undefined ? 'ide2' : freeSlot(config, 'ide', 3));
    if (isoDrive && input.isoVolume) {
      params[isoDrive] = `${input.isoVolume},media=cdrom`;
      taken.add(isoDrive);
    }
    for (const drive of ciDrives) if (drive !== isoDrive) remove.push(drive);
  } else if (input.cloudInit) {
    if (ciDrives.length === 0) {
      const slot = config['ide2'] === undefined ? 'ide2' : freeSlot(config, 'ide', 3);
      const storage = settings.storage ?? bootDiskStorage(config);
      if (slot && storage) {
        params[slot] = `${storage}:cloudinit`;
        taken.add(slot);
      }
    }
    params['ipconfig0'] = input.cloudInit.ipconfig0;
    if (input.cloudInit.ciuser) params['ciuser'] = input.cloudInit.ciuser;
    if (input.cloudInit.sshkeys) params['sshkeys'] = input.cloudInit.sshkeys;
    if (input.cloudInit.nameserver) params['nameserver'] = input.cloudInit.nameserver;
    if (input.cloudInit.searchdomain) params['searchdomain'] = input.cloudInit.searchdomain;
  }

  const diskStorage = settings.storage ?? bootDiskStorage(config);
  for (const disk of settings.extraDisks) {
    const slot = freeSlot(config, 'scsi', 30, taken);
    const storage = disk.storage ?? diskStorage;
    if (!slot || !storage) continue;
    params[slot] = `${storage}:${disk.sizeGiB}`;
    taken.add(slot);
  }
  if (remove.length > 0) params['delete'] = remove.join(',');
  return isoDrive && input.isoVolume ? { params, isoDrive } : { params };
}

/** Whether a VM's config shows the clone step done: it carries every tag we set. */
export function isConfigured(config: VMConfig, identity: MachineIdentity): boolean {
  return hasMachineTags(typeof config['tags'] === 'string' ? config['tags'] : undefined, identity);
}
