// cloud-init network-config version 2 (the netplan format) for one NIC. Written so that
// cloud-init 22.4 (Debian 12) renders it as well as newer ones: the document is bare
// `version: 2` (a top-level `network:` wrapper needs cloud-init 23.1), and the default
// route is `to: 0.0.0.0/0` (or `::/0`), because 22.4 rejects `to: default`.
//
// Which NIC: with a known MAC address (the infrastructure provider gives the NIC the MAC
// Slipway chose) the NIC is matched by it and renamed with `set-name`; cloud-init renames
// it before any renderer runs, so the name is right on every distribution. Without a MAC,
// cloud-init's ENI and networkd renderers (Debian without netplan) name the interface
// after the ethernets key and ignore `match`, so a known interface name is the portable
// choice; matching by driver or name glob works only where netplan renders (Ubuntu) and
// is the fallback when no name is known.
import { isIP } from 'node:net';
import { BootstrapError } from '../errors.ts';
import { toYAML } from './cloud-config.ts';

export interface NetworkConfigInput {
  /** `static` (the default) needs `address` and `prefix`. */
  mode?: 'static' | 'dhcp';
  address?: string;
  prefix?: number;
  gateway?: string;
  dnsServers?: string[];
  searchDomains?: string[];
  /** Match the NIC by this MAC and rename it to `interfaceName` (default `eth0`). */
  macAddress?: string;
  /** Kernel name of the NIC, e.g. `ens18`. */
  interfaceName?: string;
  /** Kernel driver to match when neither MAC nor name is known, e.g. `virtio_net` (netplan only). */
  matchDriver?: string;
}

/** Used when neither a name nor a driver is known: any Ethernet-style NIC (netplan only). */
export const defaultInterfaceGlob = 'e*';
/** The name a NIC matched by MAC gets when the template names none. */
export const defaultInterfaceName = 'eth0';

function assertAddress(value: string, what: string, family?: 4 | 6): 4 | 6 {
  const found = isIP(value);
  if (found === 0 || (family !== undefined && found !== family)) {
    throw new BootstrapError(
      'InvalidInput',
      `network: ${what} ${JSON.stringify(value)} is not an IPv${family ?? '4 or IPv6'} address`,
    );
  }
  return found as 4 | 6;
}

/** Lowercase, colon-separated, unicast: what network-config matches and the NIC carries. */
function assertMac(mac: string): void {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) {
    throw new BootstrapError(
      'InvalidInput',
      'network: macAddress must be six lowercase hex pairs separated by ":"',
    );
  }
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw new BootstrapError('InvalidInput', 'network: macAddress is a multicast address');
  }
}

function matchFor(network: NetworkConfigInput): {
  id: string;
  match: Record<string, string>;
  setName?: string;
} {
  if (
    network.interfaceName !== undefined &&
    !/^[A-Za-z0-9_.:-]{1,15}$/.test(network.interfaceName)
  ) {
    throw new BootstrapError(
      'InvalidInput',
      'network: interfaceName is not a Linux interface name',
    );
  }
  if (network.macAddress !== undefined) {
    assertMac(network.macAddress);
    const name = network.interfaceName ?? defaultInterfaceName;
    return { id: name, match: { macaddress: network.macAddress }, setName: name };
  }
  if (network.interfaceName !== undefined) {
    return { id: network.interfaceName, match: { name: network.interfaceName } };
  }
  return {
    id: 'primary',
    match: network.matchDriver ? { driver: network.matchDriver } : { name: defaultInterfaceGlob },
  };
}

/**
 * The network-config v2 document for the machine's NIC.
 *
 * @example
 * renderNetworkConfig({ address: '10.0.0.21', prefix: 24, gateway: '10.0.0.1',
 *   macAddress: '02:5a:11:22:33:44' })
 * // version: 2 / ethernets: eth0: match: {macaddress: …}, set-name: eth0, addresses: [10.0.0.21/24] …
 */
export function renderNetworkConfig(network: NetworkConfigInput): string {
  const { id, match, setName } = matchFor(network);
  const ethernet: Record<string, unknown> = { match };
  if (setName !== undefined) ethernet['set-name'] = setName;
  let family: 4 | 6 | undefined;
  if (network.mode === 'dhcp') {
    ethernet['dhcp4'] = true;
  } else {
    if (network.address === undefined || network.prefix === undefined) {
      throw new BootstrapError(
        'InvalidInput',
        'network: a static address needs address and prefix',
      );
    }
    family = assertAddress(network.address, 'address');
    const maxPrefix = family === 4 ? 32 : 128;
    if (!Number.isInteger(network.prefix) || network.prefix < 0 || network.prefix > maxPrefix) {
      throw new BootstrapError(
        'InvalidInput',
        `network: prefix ${network.prefix} is not 0–${maxPrefix}`,
      );
    }
    ethernet['dhcp4'] = false;
    ethernet['dhcp6'] = false;
    ethernet['addresses'] = [`${network.address}/${network.prefix}`];
    if (network.gateway !== undefined) {
      assertAddress(network.gateway, 'gateway', family);
      ethernet['routes'] = [{ to: family === 4 ? '0.0.0.0/0' : '::/0', via: network.gateway }];
    }
  }
  const dns = network.dnsServers ?? [];
  for (const server of dns) assertAddress(server, 'DNS server');
  const search = network.searchDomains ?? [];
  for (const domain of search) {
    if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?\.?$/.test(domain)) {
      throw new BootstrapError(
        'InvalidInput',
        `network: search domain ${JSON.stringify(domain)} is not a DNS name`,
      );
    }
  }
  if (dns.length > 0 || search.length > 0) {
    ethernet['nameservers'] = {
      ...(dns.length > 0 ? { addresses: dns } : {}),
      ...(search.length > 0 ? { search } : {}),
    };
  }
  return toYAML({ version: 2, ethernets: { [id]: ethernet } });
}
