// A cluster's addressing, read from spec.network: how its machines are addressed and
// where its control-plane VIP comes from. Absent spec.network keeps the old behaviour:
// the infrastructure provider decides (sim assigns its own addresses), and no VIP.
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import { canonicalAddress } from '../../api/ip-ranges.ts';
import type { AddressClaim } from './allocation.ts';

/** Where the control-plane VIP comes from. */
export type VIPPlan =
  | { kind: 'none' }
  /** An address the user chose, with no pool to reserve it in. */
  | { kind: 'fixed'; address: string }
  /** From the pool: the address the user chose, or the lowest free one. */
  | { kind: 'pool'; pool: string; address?: string };

export interface ClusterAddressing {
  /** How new machines are addressed; undefined: the provider decides. */
  machines: NonNullable<Machine['spec']['network']> | undefined;
  vip: VIPPlan;
}

/** Name of the IPAddress holding a cluster's VIP (machine names always end in a role and slot). */
export function vipAddressName(cluster: string): string {
  return `${cluster}-vip`;
}

/**
 * The cluster's addressing for `controlPlanes` control planes. Mode defaults to static
 * with a pool; the VIP to one from the pool ("auto") when the pool is set and there is
 * more than one control plane.
 */
export function clusterAddressing(
  cluster: ClusterDeployment,
  controlPlanes: number,
): ClusterAddressing {
  const network = cluster.spec.network;
  if (!network) return { machines: undefined, vip: { kind: 'none' } };
  const pool = network.ipPool;
  const mode = network.mode ?? (pool !== undefined ? 'static' : undefined);
  const machines =
    mode === undefined ? undefined : { mode, ...(pool !== undefined ? { ipPool: pool } : {}) };
  const chosen = network.controlPlaneVIP ?? 'auto';
  let vip: VIPPlan = { kind: 'none' };
  if (chosen === 'auto') {
    if (pool !== undefined && controlPlanes > 1) vip = { kind: 'pool', pool };
  } else if (chosen !== 'none') {
    const address = canonicalAddress(chosen) ?? chosen;
    vip = pool !== undefined ? { kind: 'pool', pool, address } : { kind: 'fixed', address };
  }
  return { machines, vip };
}

/** The block a claim of this cluster keeps in `pool`, when the cluster asks for one there. */
export function clusterBlock(
  cluster: ClusterDeployment,
  pool: string,
): AddressClaim['block'] | undefined {
  const network = cluster.spec.network;
  if (network?.blockSize === undefined || network.ipPool !== pool) return undefined;
  return {
    cluster: cluster.metadata.name,
    clusterUID: cluster.metadata.uid ?? '',
    size: network.blockSize,
  };
}
