// A machine's network, as the Machine controller hands it to the bootstrap provider
// (network-config) and the infrastructure provider (the NIC's MAC): from the machine's
// spec.network, with the static address claimed from the pool before the boot data is
// rendered. Also where a cluster's first control plane answers, for its endpoint.
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import { IPAddressClaimReasons, type IPAddress } from '../../api/kinds/ip-address.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import type { MachineBootstrapNetwork } from '../../providers/bootstrap/types.ts';
import type { MachineNetwork } from '../../providers/infrastructure/types.ts';
import type { Store } from '../../store/types.ts';
import { controlPlanesInOrder, internalAddressOf } from '../cluster-deployment/machines.ts';
import { getIfExists, isControlledBy, Labels } from '../objects.ts';
import type { IPAddressAllocator } from './allocator.ts';
import { clusterBlock } from './cluster-network.ts';
import { machineMacAddress } from './mac-address.ts';

export interface MachineNetworking {
  /** For the bootstrap provider; undefined: cloud-init's default. */
  bootstrap?: MachineBootstrapNetwork;
  /** For the infrastructure provider; undefined: it decides. */
  provider?: MachineNetwork;
}

export type MachineNetworkResult =
  { ok: true; value: MachineNetworking } | { ok: false; reason: string; message: string };

/**
 * The machine's network: none when its spec names none; DHCP on its MAC; or a static
 * address, claimed (idempotently) from its pool.
 */
export async function machineNetwork(input: {
  allocator: IPAddressAllocator;
  machine: Machine;
  cluster: ClusterDeployment;
}): Promise<MachineNetworkResult> {
  const { machine } = input;
  const network = machine.spec.network;
  if (!network) return { ok: true, value: {} };
  const macAddress = machineMacAddress(machine.metadata.uid ?? '');
  if (network.mode === 'static' && network.ipPool === undefined) {
    return {
      ok: false,
      reason: IPAddressClaimReasons.IPPoolNotFound,
      message: `Machine ${machine.metadata.name} wants a static address but spec.network names no ipPool`,
    };
  }
  if (network.mode === 'dhcp' || network.ipPool === undefined) {
    return {
      ok: true,
      value: {
        bootstrap: { mode: 'dhcp', macAddress },
        provider: { mode: 'dhcp', macAddress },
      },
    };
  }
  const block = clusterBlock(input.cluster, network.ipPool);
  const claimed = await input.allocator.claim({
    pool: network.ipPool,
    owner: machine,
    name: machine.metadata.name,
    ...(block ? { block } : {}),
    labels: { [Labels.cluster]: machine.spec.clusterName },
  });
  if (!claimed.ok) return claimed;
  const { address, prefix, gateway, dnsServers, searchDomains } = claimed.ipAddress.spec;
  const addressing = {
    address,
    prefix,
    ...(gateway !== undefined ? { gateway } : {}),
    ...(dnsServers?.length ? { dnsServers } : {}),
    ...(searchDomains?.length ? { searchDomains } : {}),
  };
  return {
    ok: true,
    value: {
      bootstrap: { mode: 'static', macAddress, ...addressing },
      provider: { mode: 'static', macAddress, ...addressing },
    },
  };
}

/**
 * Where the cluster's first control plane answers: its static address (known before it
 * boots), else the address its provider reports (DHCP, learned from the guest agent).
 */
export async function firstControlPlaneHost(
  store: Store,
  machines: readonly Machine[],
): Promise<string | undefined> {
  for (const m of controlPlanesInOrder(machines)) {
    if (m.spec.network?.mode === 'static') {
      const ip = await getIfExists<IPAddress>(
        store,
        'IPAddress',
        m.metadata.namespace ?? '',
        m.metadata.name,
      );
      if (ip && isControlledBy(ip, m)) return ip.spec.address;
    }
    const reported = internalAddressOf(m);
    if (reported) return reported;
  }
  return undefined;
}
