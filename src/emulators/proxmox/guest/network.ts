// Which address a guest's first NIC gets, the way cloud-init and netplan would decide it
// from the seed's network-config: version 2 (with or without a `network:` wrapper) or
// version 1; an ethernet matches by MAC address, by name (globs allowed) or by driver,
// or names the interface by its key. No entry for the NIC, or dhcp4, means DHCP.
import { parse } from 'yaml';

export interface GuestNic {
  /** Kernel name: a Proxmox virtio NIC at net0 is `ens18` on Debian and Ubuntu. */
  kernelName: string;
  /** Lower case, as the guest sees it. */
  mac: string;
  /** Kernel driver: virtio_net, e1000, … */
  driver: string;
}

export type NicAddressing =
  | { kind: 'static'; name: string; address: string; prefix: number }
  | { kind: 'dhcp'; name: string };

export class NetworkConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkConfigError';
  }
}

type Entry = Record<string, unknown>;

const isRecord = (v: unknown): v is Entry =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function matches(id: string, entry: Entry, nic: GuestNic): boolean {
  const match = entry['match'];
  if (!isRecord(match)) return id === nic.kernelName;
  const mac = match['macaddress'];
  if (typeof mac === 'string' && mac.toLowerCase() !== nic.mac) return false;
  const name = match['name'];
  if (typeof name === 'string' && !globToRegExp(name).test(nic.kernelName)) return false;
  const driver = match['driver'];
  if (typeof driver === 'string' && !globToRegExp(driver).test(nic.driver)) return false;
  return typeof mac === 'string' || typeof name === 'string' || typeof driver === 'string';
}

function firstIPv4(addresses: unknown): { address: string; prefix: number } | undefined {
  if (!Array.isArray(addresses)) return undefined;
  for (const item of addresses) {
    const text =
      typeof item === 'string' ? item : isRecord(item) ? Object.keys(item)[0] : undefined;
    const m = text ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text) : null;
    if (m) return { address: m[1] ?? '', prefix: Number(m[2]) };
  }
  return undefined;
}

function fromV2(doc: Entry, nic: GuestNic): NicAddressing | undefined {
  const ethernets = doc['ethernets'];
  if (!isRecord(ethernets)) return undefined;
  for (const [id, entry] of Object.entries(ethernets)) {
    if (!isRecord(entry) || !matches(id, entry, nic)) continue;
    const name = typeof entry['set-name'] === 'string' ? entry['set-name'] : nic.kernelName;
    const found = firstIPv4(entry['addresses']);
    if (found) return { kind: 'static', name, ...found };
    return { kind: 'dhcp', name };
  }
  return undefined;
}

function fromV1(doc: Entry, nic: GuestNic): NicAddressing | undefined {
  const config = doc['config'];
  if (!Array.isArray(config)) return undefined;
  for (const item of config) {
    if (!isRecord(item) || item['type'] !== 'physical') continue;
    const mac = item['mac_address'];
    const name = typeof item['name'] === 'string' ? item['name'] : nic.kernelName;
    if (typeof mac === 'string' ? mac.toLowerCase() !== nic.mac : name !== nic.kernelName) continue;
    for (const subnet of Array.isArray(item['subnets']) ? item['subnets'] : []) {
      if (!isRecord(subnet) || subnet['type'] !== 'static') continue;
      const address = typeof subnet['address'] === 'string' ? subnet['address'] : '';
      const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(address);
      if (m) return { kind: 'static', name, address: m[1] ?? '', prefix: Number(m[2] ?? 24) };
    }
    return { kind: 'dhcp', name };
  }
  return undefined;
}

/** How the NIC is configured; without network-config cloud-init falls back to DHCP. */
export function nicAddressing(networkConfig: string | undefined, nic: GuestNic): NicAddressing {
  if (networkConfig === undefined || networkConfig.trim() === '')
    return { kind: 'dhcp', name: nic.kernelName };
  let doc: unknown;
  try {
    doc = parse(networkConfig);
  } catch (err: unknown) {
    throw new NetworkConfigError(`network-config is not valid YAML: ${(err as Error).message}`);
  }
  if (isRecord(doc) && isRecord(doc['network'])) doc = doc['network'];
  if (!isRecord(doc)) throw new NetworkConfigError('network-config is not a mapping');
  const version = doc['version'];
  const found = version === 2 ? fromV2(doc, nic) : version === 1 ? fromV1(doc, nic) : undefined;
  if (version !== 1 && version !== 2)
    throw new NetworkConfigError(`network-config version ${String(version)} is not 1 or 2`);
  return found ?? { kind: 'dhcp', name: nic.kernelName };
}

/** Addresses handed out by the simulated DHCP server, stable per MAC address. */
export class DhcpPool {
  readonly #range: { first: number; last: number } | undefined;
  readonly #leases = new Map<string, number>();

  constructor(range?: { first: number; last: number }) {
    this.#range = range;
  }

  /** The lease for `mac`, avoiding `inUse`; undefined without a range or when it is full. */
  lease(mac: string, inUse: ReadonlySet<string>): string | undefined {
    if (!this.#range) return undefined;
    const held = this.#leases.get(mac);
    if (held !== undefined) return intToIPv4(held);
    const leased = new Set(this.#leases.values());
    for (let n = this.#range.first; n <= this.#range.last; n++) {
      if (leased.has(n) || inUse.has(intToIPv4(n))) continue;
      this.#leases.set(mac, n);
      return intToIPv4(n);
    }
    return undefined;
  }

  release(mac: string): void {
    this.#leases.delete(mac);
  }

  /** The prefix length DHCP clients get (the range's /24 unless it spans more). */
  prefix(): number {
    if (!this.#range) return 24;
    const span = this.#range.last - this.#range.first + 2;
    return Math.max(8, 32 - Math.ceil(Math.log2(Math.max(span, 256))));
  }
}

export function intToIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}
