// What a guest gets from Proxmox's own cloud-init drive (bootstrapMode proxmox-cloudinit):
// PVE renders `ciuser`, `sshkeys`, `ipconfig0`, `nameserver` and `searchdomain` into a
// NoCloud seed on the `<storage>:vm-<vmid>-cloudinit` CD-ROM at start; cloud-init then
// creates the user with those keys and configures the NIC. Here the guest reads the same
// fields straight from the VM's config. Without a cloud-init drive they have no effect.
import { isDriveKey, parseDrive } from '../config-format.ts';

/** The user cloud-init creates when ciuser is unset: the image's default (Ubuntu's). */
export const imageDefaultUser = 'ubuntu';

export interface ProxmoxCloudInitData {
  /** The drive holding the cloud-init volume (`ide2`). */
  drive: string;
  user: string;
  /** OpenSSH public key lines. */
  keys: string[];
  ipconfig: { kind: 'static'; address: string; prefix: number } | { kind: 'dhcp' };
}

/** Whether a drive value is a Proxmox cloud-init volume (`local-lvm:vm-101-cloudinit,…`). */
export function isCloudInitVolume(value: string): boolean {
  return /^[^:]+:(?:\d+\/)?vm-\d+-cloudinit(?:\.\w+)?$/.test(parseDrive(value).file);
}

/** `ip=10.0.0.5/24,gw=10.0.0.1` or `ip=dhcp`; anything else is DHCP-less (no address). */
function parseIpconfig(value: string | undefined): ProxmoxCloudInitData['ipconfig'] | undefined {
  if (value === undefined) return { kind: 'dhcp' };
  const ip = value
    .split(',')
    .map((part) => part.split('='))
    .find(([key]) => key === 'ip')?.[1];
  if (ip === 'dhcp') return { kind: 'dhcp' };
  const m = ip ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(ip) : null;
  return m ? { kind: 'static', address: m[1] ?? '', prefix: Number(m[2]) } : undefined;
}

/**
 * The cloud-init data PVE would hand this VM's guest, or undefined when the VM has no
 * cloud-init drive. `sshkeys` is kept URL-encoded in the config, as PVE keeps it.
 */
export function proxmoxCloudInitOf(
  config: ReadonlyMap<string, string>,
): ProxmoxCloudInitData | undefined {
  const drive = [...config.keys()]
    .sort()
    .find((key) => isDriveKey(key) && isCloudInitVolume(config.get(key) ?? ''));
  if (!drive) return undefined;
  const encoded = config.get('sshkeys');
  let keys: string[] = [];
  if (encoded !== undefined) {
    try {
      keys = decodeURIComponent(encoded)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
    } catch {
      keys = []; // PVE refuses such a value; nothing a guest could use
    }
  }
  const ipconfig = parseIpconfig(config.get('ipconfig0'));
  return {
    drive,
    user: config.get('ciuser') ?? imageDefaultUser,
    keys,
    ipconfig: ipconfig ?? { kind: 'dhcp' },
  };
}
