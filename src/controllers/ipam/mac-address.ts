// The MAC address of a machine's first NIC: chosen by Slipway, not the hypervisor, so the
// network-config rendered before the VM exists can match it. Derived from the Machine's
// uid: the same on every pass and after a restart, different for a replacement Machine.
import { createHash } from 'node:crypto';

/**
 * A locally administered unicast MAC (first octet: bit 0x02 set, bit 0x01 clear),
 * lowercase and colon-separated, from SHA-256 of the Machine uid (46 bits of it).
 *
 * @example
 * machineMacAddress('6f1c2b1e-0d7a-4a51-9d7e-0c8f2f1a9b3c') // e.g. '5a:…' — always the same for that uid
 */
export function machineMacAddress(machineUID: string): string {
  if (!machineUID)
    throw new Error('a MAC address is derived from the Machine uid, and it has none');
  const digest = createHash('sha256').update(`slipway.dev/mac/${machineUID}`).digest();
  const octets = [...digest.subarray(0, 6)];
  octets[0] = ((octets[0] ?? 0) & 0xfc) | 0x02;
  return octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
}
