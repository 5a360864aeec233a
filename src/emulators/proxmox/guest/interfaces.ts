// What qemu-guest-agent's guest-network-get-interfaces reports: lo, the NIC (MAC in
// lower case, the IPv4 address once configured, an EUI-64 link-local IPv6), and on a
// node running K3s also flannel.1 and cni0 with pod-network addresses — the addresses a
// provider must not mistake for the node's.

export interface AgentInterface {
  name: string;
  'hardware-address': string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
  statistics: Record<string, number>;
}

const zeroStats = {
  'rx-bytes': 0,
  'rx-dropped': 0,
  'rx-errs': 0,
  'rx-packets': 0,
  'tx-bytes': 0,
  'tx-dropped': 0,
  'tx-errs': 0,
  'tx-packets': 0,
};

/** fe80::/64 address derived from a MAC (EUI-64), as the kernel makes it. */
export function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const eui = [(b[0] ?? 0) ^ 2, b[1] ?? 0, b[2] ?? 0, 0xff, 0xfe, b[3] ?? 0, b[4] ?? 0, b[5] ?? 0];
  const groups = [0, 2, 4, 6].map((i) => (((eui[i] ?? 0) << 8) | (eui[i + 1] ?? 0)).toString(16));
  return `fe80::${groups.join(':')}`;
}

export function guestInterfaces(
  vmid: number,
  nic: { name: string; mac: string; address?: string; prefix: number } | undefined,
  k3sRunning: boolean,
): AgentInterface[] {
  const out: AgentInterface[] = [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
      statistics: zeroStats,
    },
  ];
  if (nic) {
    out.push({
      name: nic.name,
      'hardware-address': nic.mac,
      'ip-addresses': [
        ...(nic.address
          ? [{ 'ip-address': nic.address, 'ip-address-type': 'ipv4' as const, prefix: nic.prefix }]
          : []),
        { 'ip-address': linkLocal(nic.mac), 'ip-address-type': 'ipv6', prefix: 64 },
      ],
      statistics: {
        ...zeroStats,
        'rx-bytes': 52_113,
        'rx-packets': 402,
        'tx-bytes': 18_226,
        'tx-packets': 171,
      },
    });
  }
  if (k3sRunning) {
    const subnet = vmid % 250;
    out.push(
      {
        name: 'flannel.1',
        'hardware-address': '2a:71:e8:00:00:01',
        'ip-addresses': [
          { 'ip-address': `10.42.${subnet}.0`, 'ip-address-type': 'ipv4', prefix: 32 },
        ],
        statistics: zeroStats,
      },
      {
        name: 'cni0',
        'hardware-address': '0e:5c:1b:00:00:01',
        'ip-addresses': [
          { 'ip-address': `10.42.${subnet}.1`, 'ip-address-type': 'ipv4', prefix: 24 },
        ],
        statistics: zeroStats,
      },
    );
  }
  return out;
}
