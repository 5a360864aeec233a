// The text formats inside a VM config: property strings (`virtio=BC:24:11:..,bridge=vmbr0`,
// `local-lvm:vm-101-disk-0,size=32G`), sizes (`32G`), MAC addresses and the config
// file itself, whose SHA-1 is the `digest` the API returns.
import { createHash, randomBytes } from 'node:crypto';

/** Ordered key/value items of a property string; an item without `=` has key ''. */
export type PropertyItems = [key: string, value: string][];

export function parsePropertyString(text: string): PropertyItems {
  if (text === '') return [];
  return text.split(',').map((item) => {
    const eq = item.indexOf('=');
    return eq < 0 ? ['', item] : [item.slice(0, eq), item.slice(eq + 1)];
  });
}

export function printPropertyString(items: PropertyItems): string {
  return items.map(([key, value]) => (key === '' ? value : `${key}=${value}`)).join(',');
}

export function propertyValue(items: PropertyItems, key: string): string | undefined {
  return items.find(([k]) => k === key)?.[1];
}

export function withProperty(items: PropertyItems, key: string, value: string): PropertyItems {
  const found = items.some(([k]) => k === key);
  return found ? items.map(([k, v]) => [k, k === key ? value : v]) : [...items, [key, value]];
}

/** Config keys that hold a drive (disk or CD-ROM). */
export function isDriveKey(key: string): boolean {
  return /^(ide[0-3]|sata[0-5]|scsi([12]?[0-9]|30)|virtio([0-9]|1[0-5])|efidisk0|tpmstate0)$/.test(
    key,
  );
}

export interface Drive {
  /** Volume id (`storage:volname`), `none` or `cdrom`. */
  file: string;
  items: PropertyItems;
}

export function parseDrive(text: string): Drive {
  const items = parsePropertyString(text);
  const file = propertyValue(items, '') ?? propertyValue(items, 'file') ?? '';
  return { file, items };
}

export function isCdrom(drive: Drive): boolean {
  return propertyValue(drive.items, 'media') === 'cdrom';
}

/** `storage:volname` split, or undefined when the text is no volume id. */
export function splitVolid(volid: string): { storage: string; volname: string } | undefined {
  const match = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  return match ? { storage: match[1] ?? '', volname: match[2] ?? '' } : undefined;
}

const units: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Bytes of a PVE size (`32G`, `512M`, `1024`); undefined when unreadable. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text);
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * (match[2] ? (units[match[2]] ?? 1) : 1));
}

/** PVE::JSONSchema::format_size: the largest unit that divides the size evenly. */
export function formatSize(bytes: number): string {
  let value = bytes;
  for (const unit of ['K', 'M', 'G', 'T']) {
    if (value % 1024 !== 0) return unit === 'K' ? String(value) : `${value}${prevUnit(unit)}`;
    value /= 1024;
  }
  return `${value}T`;
}

function prevUnit(unit: string): string {
  return { M: 'K', G: 'M', T: 'G' }[unit] ?? '';
}

/** NIC models whose key carries the MAC address (`virtio=BC:24:11:..`). */
const nicModels = new Set([
  'virtio',
  'e1000',
  'e1000e',
  'rtl8139',
  'vmxnet3',
  'ne2k_pci',
  'i82551',
  'i82557b',
  'i82559er',
  'pcnet',
  'ne2k_isa',
]);

export interface Nic {
  model: string;
  /** Upper case, as PVE stores it; undefined when none was given yet. */
  macaddr?: string;
  bridge?: string;
  items: PropertyItems;
}

export function parseNet(text: string): Nic {
  const items = parsePropertyString(text);
  let model = propertyValue(items, 'model') ?? '';
  let macaddr = propertyValue(items, 'macaddr');
  for (const [key, value] of items) {
    if (nicModels.has(key)) {
      model = key;
      macaddr = value;
    } else if (key === '' && nicModels.has(value)) {
      model = value;
    }
  }
  const rest = items.filter(
    ([key, value]) =>
      !nicModels.has(key) &&
      key !== 'model' &&
      key !== 'macaddr' &&
      !(key === '' && nicModels.has(value)),
  );
  const bridge = propertyValue(items, 'bridge');
  return {
    model,
    ...(macaddr ? { macaddr: macaddr.toUpperCase() } : {}),
    ...(bridge !== undefined ? { bridge } : {}),
    items: rest,
  };
}

/** How PVE prints a NIC: `<model>=<MAC>` first, then the other options in order. */
export function printNet(nic: Nic): string {
  const head: PropertyItems = [[nic.model, nic.macaddr ?? randomMac()]];
  return printPropertyString([...head, ...nic.items]);
}

/** A random MAC with Proxmox's OUI (BC:24:11), upper case as PVE writes it. */
export function randomMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
  return ['BC', '24', '11', ...tail].join(':');
}

/** The config file text: description as `#` comment lines, then `key: value` sorted. */
export function configFileText(config: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  const description = config.get('description');
  if (description !== undefined) {
    for (const line of description.split('\n')) lines.push(`#${line}`);
  }
  for (const key of [...config.keys()].sort()) {
    if (key !== 'description') lines.push(`${key}: ${config.get(key) ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `digest` of a config: SHA-1 (hex) of its file text. */
export function configDigest(config: ReadonlyMap<string, string>): string {
  return createHash('sha1').update(configFileText(config)).digest('hex');
}

/** PVE booleans accept 1/0, true/false, yes/no and on/off (PVE::JSONSchema). */
export function parseBoolean(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  return undefined;
}
