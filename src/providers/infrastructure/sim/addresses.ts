// Simulated VM identity on the network: provider IDs and fake but stable addresses.
// The addresses are labels only: nothing ever sends a packet to them.
import { parse } from 'yaml';

/** The private range simulated "DHCP" hands out from: 10.77.0.1, 10.77.0.2, … */
export const simAddressRange = '10.77.0.0/16 (continuing into 10.78.0.0/16, …)';

const hostsPerSubnet = 254; // .1 … .254 of each /24
const subnetsPerBlock = 256;

/** The DHCP-like address of a VM, derived from its never-reused VM ID. */
export function simAddressFor(vmid: number): string {
  if (!Number.isInteger(vmid) || vmid < 1) throw new Error(`invalid sim VM ID ${vmid}`);
  const index = vmid - 1;
  const second = 77 + Math.floor(index / (hostsPerSubnet * subnetsPerBlock));
  if (second > 255) throw new Error(`sim VM ID ${vmid} is beyond the simulated address range`);
  const third = Math.floor(index / hostsPerSubnet) % subnetsPerBlock;
  const fourth = (index % hostsPerSubnet) + 1;
  return `10.${second}.${third}.${fourth}`;
}

/** `sim://<namespace>/<machineName>/<vmid>`. */
export function simProviderID(namespace: string, machineName: string, vmid: number): string {
  return `sim://${namespace}/${machineName}/${vmid}`;
}

export function parseSimProviderID(
  providerID: string,
): { namespace: string; machineName: string; vmid: number } | undefined {
  const match = /^sim:\/\/([^/]+)\/([^/]+)\/(\d+)$/.exec(providerID);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { namespace: match[1], machineName: match[2], vmid: Number(match[3]) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The first static IPv4 address in cloud-init network-config v2 (`ethernets.<nic>.addresses`,
 * with or without a top-level `network:` key), without its prefix length. Undefined when
 * the config asks for DHCP or cannot be read: the VM then gets its simulated DHCP address.
 */
export function staticAddressFrom(networkConfig: string | undefined): string | undefined {
  if (!networkConfig) return undefined;
  let doc: unknown;
  try {
    doc = parse(networkConfig);
  } catch {
    return undefined;
  }
  const root = isRecord(doc) && isRecord(doc['network']) ? doc['network'] : doc;
  if (!isRecord(root) || !isRecord(root['ethernets'])) return undefined;
  for (const nic of Object.values(root['ethernets'])) {
    if (!isRecord(nic) || !Array.isArray(nic['addresses'])) continue;
    for (const entry of nic['addresses']) {
      if (typeof entry !== 'string') continue;
      const address = entry.split('/')[0] ?? '';
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return address;
    }
  }
  return undefined;
}
