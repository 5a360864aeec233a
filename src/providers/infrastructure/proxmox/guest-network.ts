// Reading a VM's address from the QEMU guest agent (`agent/network-get-interfaces`).
// The agent shows MACs in lower case (Proxmox's config in upper case) and may leave out
// `ip-addresses` while an interface comes up. The loopback interface is skipped by name
// and MAC, not by address: test guests live in 127.0.0.0/8.

export interface AgentInterface {
  name?: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address'?: string; 'ip-address-type'?: string; prefix?: number }[];
}

/** The agent's answer: `{ result: [...] }` (some versions answer the list itself). */
export function agentInterfaces(data: unknown): AgentInterface[] {
  const list = Array.isArray(data) ? data : (data as { result?: unknown } | undefined)?.result;
  return Array.isArray(list) ? (list as AgentInterface[]) : [];
}

function isLoopback(iface: AgentInterface): boolean {
  const mac = iface['hardware-address'] ?? '';
  return iface.name === 'lo' || /^(00:){5}00$/.test(mac);
}

function ipv4s(iface: AgentInterface): string[] {
  return (iface['ip-addresses'] ?? [])
    .filter((a) => a['ip-address-type'] === 'ipv4' && a['ip-address'])
    .map((a) => a['ip-address'] as string)
    .filter((a) => !a.startsWith('169.254.'));
}

export interface GuestAddressLookup {
  /** The MAC of the machine's NIC (any case); without it, any non-loopback interface. */
  macAddress?: string;
  /** A static address: found only when the agent reports exactly this one. */
  expected?: string;
}

/**
 * The machine's IPv4 address as the guest agent reports it, or undefined while the agent
 * does not show it yet.
 *
 * @example
 *   guestAddress(agentInterfaces(data), { macAddress: 'BC:24:11:00:00:01' }); // '10.0.0.21'
 */
export function guestAddress(
  interfaces: readonly AgentInterface[],
  lookup: GuestAddressLookup,
): string | undefined {
  const mac = lookup.macAddress?.toLowerCase();
  const candidates = interfaces.filter((iface) =>
    mac ? (iface['hardware-address'] ?? '').toLowerCase() === mac : !isLoopback(iface),
  );
  const addresses = candidates.flatMap(ipv4s);
  if (lookup.expected !== undefined) {
    return addresses.includes(lookup.expected) ? lookup.expected : undefined;
  }
  return addresses[0];
}

/** Every address the agent shows (for messages while waiting for the expected one). */
export function reportedAddresses(interfaces: readonly AgentInterface[]): string[] {
  return interfaces.filter((i) => !isLoopback(i)).flatMap(ipv4s);
}
