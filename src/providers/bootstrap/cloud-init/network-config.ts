// cloud-init network-config version 2 (the netplan format) for one NIC with a static
// address. Written so that cloud-init 22.4 (Debian 12) renders it as well as newer ones:
// the default route is `to: 0.0.0.0/0` (or `::/0`), because 22.4 rejects `to: default`.
//
// Which NIC: cloud-init's ENI and networkd renderers (Debian without netplan) name the
// interface after the ethernets key and ignore `match`, so a known interface name is the
// portable choice. Matching by driver or name glob works only where netplan renders
// (Ubuntu); it is the fallback when no name is known.
import { isIP } from 'node:net';
import { BootstrapError } from '../errors.ts';
import { toYAML } from './cloud-config.ts';

export interface StaticNetwork {
  address: string;
  prefix: number;
  gateway?: string;
  dnsServers?: string[];
  /** Kernel name of the NIC, e.g. `ens18`. */
  interfaceName?: string;
  /** Kernel driver to match when the name is unknown, e.g. `virtio_net` (netplan only). */
  matchDriver?: string;
}

/** Used when neither a name nor a driver is known: any Ethernet-style NIC (netplan only). */
export const defaultInterfaceGlob = 'e*';

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

export function renderNetworkConfig(network: StaticNetwork): string {
  const family = assertAddress(network.address, 'address');
  const maxPrefix = family === 4 ? 32 : 128;
  if (!Number.isInteger(network.prefix) || network.prefix < 0 || network.prefix > maxPrefix) {
    throw new BootstrapError(
      'InvalidInput',
      `network: prefix ${network.prefix} is not 0–${maxPrefix}`,
    );
  }
  if (
    network.interfaceName !== undefined &&
    !/^[A-Za-z0-9_.:-]{1,15}$/.test(network.interfaceName)
  ) {
    throw new BootstrapError(
      'InvalidInput',
      'network: interfaceName is not a Linux interface name',
    );
  }
  const id = network.interfaceName ?? 'primary';
  const match = network.interfaceName
    ? { name: network.interfaceName }
    : network.matchDriver
      ? { driver: network.matchDriver }
      : { name: defaultInterfaceGlob };
  const ethernet: Record<string, unknown> = {
    match,
    dhcp4: false,
    dhcp6: false,
    addresses: [`${network.address}/${network.prefix}`],
  };
  if (network.gateway !== undefined) {
    assertAddress(network.gateway, 'gateway', family);
    ethernet['routes'] = [{ to: family === 4 ? '0.0.0.0/0' : '::/0', via: network.gateway }];
  }
  const dns = network.dnsServers ?? [];
  for (const server of dns) assertAddress(server, 'DNS server');
  if (dns.length > 0) ethernet['nameservers'] = { addresses: dns };
  return toYAML({ version: 2, ethernets: { [id]: ethernet } });
}
