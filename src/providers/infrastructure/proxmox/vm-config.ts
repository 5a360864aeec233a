// A clone's configuration: what Slipway sets on it after the clone (CPU, memory, NIC,
// guest agent, tags, the boot-data CD-ROM), which disk is the boot disk and how big it
// is, and how a running VM has drifted from the settings. Pure functions over Proxmox's
// flat config map (`GET …/config`).
import type { ResolvedMachineSettings } from './settings.ts';

export type VMConfig = Readonly<Record<string, unknown>>;

/** `key=value,key=value` (the first item may be a bare value) as a map; bare → `''` key. */
export function parsePropertyString(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) map.set('', part);
    else map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

const nicModels = new Set([
  'virtio',
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'vmxnet3',
]);

export interface Nic {
  model: string;
  /** Upper case, as Proxmox shows MACs. */
  macaddr?: string;
  bridge?: string;
  tag?: number;
  mtu?: number;
  /** Other options (firewall, queues, rate, …), kept as they are. */
  rest: [string, string][];
}

/** `virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,tag=30` → its parts. */
export function parseNic(value: string): Nic {
  const nic: Nic = { model: 'virtio', rest: [] };
  for (const [key, v] of parsePropertyString(value)) {
    if (nicModels.has(key)) {
      nic.model = key;
      if (v) nic.macaddr = v.toUpperCase();
    } else if (key === 'model') nic.model = v;
    else if (key === 'macaddr') nic.macaddr = v.toUpperCase();
    else if (key === 'bridge') nic.bridge = v;
    else if (key === 'tag') nic.tag = Number(v);
    else if (key === 'mtu') nic.mtu = Number(v);
    else nic.rest.push([key, v]);
  }
  return nic;
}

export function formatNic(nic: Nic): string {
  const parts = [nic.macaddr ? `${nic.model}=${nic.macaddr}` : nic.model];
  if (nic.bridge) parts.push(`bridge=${nic.bridge}`);
  if (nic.tag !== undefined) parts.push(`tag=${nic.tag}`);
  if (nic.mtu !== undefined) parts.push(`mtu=${nic.mtu}`);
  for (const [k, v] of nic.rest) parts.push(`${k}=${v}`);
  return parts.join(',');
}

/** net0 as the settings want it: the template's NIC with bridge, VLAN, model, MTU, MAC set. */
export function desiredNic(
  current: string | undefined,
  network: ResolvedMachineSettings['network'],
  macAddress: string | undefined,
): string {
  const nic = current ? parseNic(current) : { model: network.model, rest: [] };
  const next: Nic = { ...nic, model: network.model, bridge: network.bridge, rest: nic.rest };
  if (macAddress) next.macaddr = macAddress.toUpperCase();
  if (network.vlan !== undefined) next.tag = network.vlan;
  else delete next.tag;
  if (network.mtu !== undefined) next.mtu = network.mtu;
  else delete next.mtu;
  return formatNic(next);
}

const driveKey = /^(?:scsi|virtio|sata|ide)\d+$/;

function isCdrom(value: string): boolean {
  return /(^|,)media=cdrom(,|$)/.test(value) || value.startsWith('none,') || value === 'none';
}

/** Drives holding a Proxmox cloud-init volume (`local-lvm:vm-101-cloudinit,media=cdrom`). */
export function cloudInitDrives(config: VMConfig): string[] {
  return Object.entries(config)
    .filter(([k, v]) => driveKey.test(k) && typeof v === 'string' && /:\S*cloudinit/.test(v))
    .map(([k]) => k)
    .sort();
}

/** The boot disk: the first disk of the boot order, else the first of scsi0, virtio0, … . */
export function bootDisk(config: VMConfig): string | undefined {
  const isDisk = (key: string) => {
    const v = config[key];
    return typeof v === 'string' && driveKey.test(key) && !isCdrom(v) && !/cloudinit/.test(v);
  };
  const boot = typeof config['boot'] === 'string' ? parsePropertyString(config['boot']) : undefined;
  const order = boot?.get('order')?.split(';') ?? [];
  const fromOrder = order.find(isDisk);
  if (fromOrder) return fromOrder;
  return (
    ['scsi0', 'virtio0', 'sata0', 'ide0'].find(isDisk) ??
    Object.keys(config).filter(isDisk).sort()[0]
  );
}

/** A `size=` value (`32G`, `512M`, `2T`, `10737418240`) in GiB. */
export function sizeGiB(size: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size);
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2] ?? '';
  const factor: Record<string, number> = {
    '': 1 / 1024 ** 3,
    K: 1 / 1024 ** 2,
    M: 1 / 1024,
    G: 1,
    T: 1024,
  };
  return n * (factor[unit] ?? 1);
}

/** The size of a disk in the config, in GiB. */
export function diskSizeGiB(config: VMConfig, disk: string): number | undefined {
  const value = config[disk];
  if (typeof value !== 'string') return undefined;
  const size = parsePropertyString(value).get('size');
  return size === undefined ? undefined : sizeGiB(size);
}

/** The first free slot among `prefix0…prefix<max>`, skipping `taken`. */
export function freeSlot(
  config: VMConfig,
  prefix: string,
  max: number,
  taken: Set<string> = new Set(),
): string | undefined {
  for (let i = 0; i <= max; i++) {
    const key = `${prefix}${i}`;
    if (config[key] === undefined && !taken.has(key)) return key;
  }
  return undefined;
}

/** Memory in MiB from the config's `memory` (`2048` or `current=2048`); 512 when unset. */
export function memoryOf(config: VMConfig): number {
  const raw = config['memory'];
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const parsed = parsePropertyString(raw);
    const value = parsed.get('current') ?? parsed.get('');
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return 512;
}

const numberOr = (value: unknown, fallback: number) =>
  typeof value === 'number'
    ? value
    : typeof value === 'string' && /^\d+$/.test(value)
      ? Number(value)
      : fallback;

/** What differs between a VM's CPU and memory and what the settings ask for. */
export interface Drift {
  field: 'cores' | 'sockets' | 'memory';
  actual: number;
  wanted: number;
}

export function configDrift(config: VMConfig, settings: ResolvedMachineSettings): Drift[] {
  const drift: Drift[] = [];
  const cores = numberOr(config['cores'], 1);
  const sockets = numberOr(config['sockets'], 1);
  const memory = memoryOf(config);
  if (cores !== settings.cores)
    drift.push({ field: 'cores', actual: cores, wanted: settings.cores });
  if (sockets !== settings.sockets)
    drift.push({ field: 'sockets', actual: sockets, wanted: settings.sockets });
  if (memory !== settings.memoryMiB)
    drift.push({ field: 'memory', actual: memory, wanted: settings.memoryMiB });
  return drift;
}

export function describeDrift(drift: readonly Drift[]): string {
  return drift
    .map((d) => `${d.field} ${d.actual}${d.field === 'memory' ? ' MiB' : ''} (wanted ${d.wanted})`)
    .join(', ');
}
