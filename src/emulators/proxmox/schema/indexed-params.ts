// The published schema folds numbered options into one entry: RESTHandler::api_clone_schema
// writes `net0` … `net31` as `net[n]`. How many there are lives only in the Perl source, so
// this table says it; loading fails on an `[n]` name it does not know.

import type { PveParam } from './types.ts';

/** How many of each numbered option Proxmox VE 9 accepts (`net` → net0 … net31). */
export const INDEXED_OPTION_COUNTS: Readonly<Record<string, number>> = {
  // qemu-server (QemuServer.pm, Drive.pm, PCI.pm, USB.pm, Memory.pm, Virtiofs.pm)
  net: 32, // $MAX_NETS; also the LXC limit ($MAX_LXC_NETWORKS = 32 in pve-container)
  ipconfig: 32, // one per net
  ide: 4, // "(n is 0 to 3)"
  sata: 6, // "(n is 0 to 5)"
  scsi: 31, // "(n is 0 to 30)"
  virtio: 16, // "(n is 0 to 15)"
  usb: 15, // "(n is 0 to 4, … up to 14)"
  hostpci: 16, // $MAX_HOSTPCI_DEVICES
  serial: 4, // "(n is 0 to 3)"
  parallel: 3, // "(n is 0 to 2)"
  numa: 8, // $MAX_NUMA
  virtiofs: 10, // $MAX_VIRTIOFS
  unused: 256, // $MAX_UNUSED_DISKS (qemu-server and pve-container)
  // pve-container
  mp: 256, // $MAX_MOUNT_POINTS
  dev: 256, // $MAX_DEVICES
  // pve-cluster corosync links: "up to 8 links supported; link0..link7"
  link: 8,
  // pve-manager NodeConfig.pm: for my $i (0..$MAXDOMAINS), $MAXDOMAINS = 5
  acmedomain: 6,
};

/** `net` → ['net0', …, 'net31']. */
export function indexedNames(base: string): string[] {
  const count = INDEXED_OPTION_COUNTS[base];
  if (count === undefined) throw new Error(`no count known for numbered option '${base}[n]'`);
  return Array.from({ length: count }, (_unused, index) => `${base}${index}`);
}

/**
 * Replaces every `name[n]` key by the numbered keys it stands for (sharing one schema object).
 *
 * @param where names the endpoint in the error for an unknown `[n]` option.
 */
export function expandIndexed(
  properties: Readonly<Record<string, PveParam>>,
  where: string,
): Record<string, PveParam> {
  const expanded: Record<string, PveParam> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const numbered = /^(.+)\[n\]$/.exec(key);
    if (numbered === null) {
      expanded[key] = schema;
      continue;
    }
    const base = numbered[1] ?? '';
    if (INDEXED_OPTION_COUNTS[base] === undefined) {
      throw new Error(
        `${where}: the schema has '${key}', but INDEXED_OPTION_COUNTS (indexed-params.ts) ` +
          `does not say how many '${base}' options Proxmox accepts`,
      );
    }
    for (const name of indexedNames(base)) expanded[name] = schema;
  }
  return expanded;
}
