// Named formats registered outside pve-common: qemu-server (VM config), pve-storage (volumes,
// content types), pve-access-control (pools, realms). Messages are Proxmox's.

import type { FormatCheck } from './formats-common.ts';
import { indexedNames } from './indexed-params.ts';
import { splitList } from './perl-value.ts';
import type { PveFormatKeys } from './types.ts';

const volumeId: FormatCheck = (volid) =>
  /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.test(volid)
    ? undefined
    : `unable to parse volume ID '${volid}'`;

// qemu-server Drive.pm: drivedesc_hash without unused[n]. efidisk0 and tpmstate0 are drives
// (valid boot disks) but not boot devices.
const DRIVES = new Set([
  ...['ide', 'sata', 'scsi', 'virtio'].flatMap((bus) => indexedNames(bus)),
  'efidisk0',
  'tpmstate0',
]);
const BOOT_DEVICES = new Set([
  ...[...DRIVES].filter((name) => !/^(efidisk|tpmstate)/.test(name)),
  ...['net', 'usb', 'hostpci'].flatMap((bus) => indexedNames(bus)),
]);

// pve-storage: the content types of the dir plugin ("dir includes all types"), plus import.
const CONTENT_TYPES = new Set([
  'images',
  'rootdir',
  'vztmpl',
  'iso',
  'backup',
  'snippets',
  'import',
  'none',
]);

const HOTPLUG_FEATURES = /^(network|disk|cpu|memory|usb|cloudinit)$/;

/** Formats that check a plain value, by the name their package registers them under. */
export const GUEST_FORMATS: Readonly<Record<string, FormatCheck>> = {
  'pve-volume-id': volumeId,
  // qemu-server: drive `file=` values; an absolute path is taken as is.
  'pve-volume-id-or-absolute-path': (volid) =>
    volid.startsWith('/') ? undefined : volumeId(volid),
  'pve-volume-id-or-qm-path': (volid) =>
    volid === 'none' || volid === 'cdrom' || volid.startsWith('/') ? undefined : volumeId(volid),
  'pve-storage-content': (type) =>
    CONTENT_TYPES.has(type) ? undefined : `invalid content type '${type}'`,
  // pve-access-control: pools nest up to three levels since PVE 8.1 (`parent/child`).
  'pve-poolid': (pool) => {
    if (pool.split('/').length > 3) return `pool name '${pool}' nested too deeply (max levels = 3)`;
    return /^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/.test(pool)
      ? undefined
      : `pool name '${pool}' contains invalid characters`;
  },
  'pve-realm': (realm) =>
    /^[A-Za-z][A-Za-z0-9.\-_]+$/.test(realm) ? undefined : 'value does not look like a valid realm',
  'pve-qm-bootdisk': (disk) => (DRIVES.has(disk) ? undefined : `invalid boot disk '${disk}'`),
  'pve-qm-bootdev': (device) =>
    BOOT_DEVICES.has(device) ? undefined : `invalid boot device '${device}'`,
  'pve-hotplug-features': (value) => {
    if (value === '0' || value === '1') return undefined;
    const bad = splitList(value).find((feature) => !HOTPLUG_FEATURES.test(feature));
    return bad === undefined ? undefined : `invalid hotplug feature '${bad}'`;
  },
};

/** Property-string formats registered by name (their keys are not in the published schema). */
export const GUEST_PROPERTY_FORMATS: Readonly<Record<string, PveFormatKeys>> = {
  // qemu-server Network.pm
  'pve-qm-ipconfig': {
    ip: { type: 'string', format: 'pve-ipv4-config', optional: 1, default: 'dhcp' },
    gw: { type: 'string', format: 'ipv4', optional: 1, requires: 'ip' },
    ip6: { type: 'string', format: 'pve-ipv6-config', optional: 1, default: 'dhcp' },
    gw6: { type: 'string', format: 'ipv6', optional: 1, requires: 'ip6' },
  },
  // qemu-server QemuServer.pm
  'pve-qm-boot': {
    legacy: { type: 'string', optional: 1, default_key: 1, pattern: '[acdn]{1,4}' },
    order: { type: 'string', optional: 1, format: 'pve-qm-bootdev-list' },
  },
  // qemu-server Cloudinit: custom snippets replacing the generated files
  'pve-qm-cicustom': {
    meta: { type: 'string', optional: 1, format: 'pve-volume-id' },
    network: { type: 'string', optional: 1, format: 'pve-volume-id' },
    user: { type: 'string', optional: 1, format: 'pve-volume-id' },
    vendor: { type: 'string', optional: 1, format: 'pve-volume-id' },
  },
};
