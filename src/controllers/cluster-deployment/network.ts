// The cluster's network step: spec.network makes sense, its pool exists, and its
// control-plane VIP is claimed before the first machine (whose boot data names it).
// Anything wrong comes back as the condition that keeps machines from being made.
import {
  ClusterDeploymentConditions as Conditions,
  ClusterDeploymentReasons as Reasons,
  clusterNetworkProblems,
  type ClusterDeployment,
} from '../../api/kinds/cluster-deployment.ts';
import { IPAddressClaimReasons } from '../../api/kinds/ip-address.ts';
import type { Store } from '../../store/types.ts';
import { falseCondition, type ConditionInput } from '../conditions.ts';
import type { IPAddressAllocator } from '../ipam/allocator.ts';
import { clusterAddressing, type ClusterAddressing } from '../ipam/cluster-network.ts';
import { ensureControlPlaneVIP } from '../ipam/vip.ts';
import { getIfExists } from '../objects.ts';

export type NetworkStep =
  | { ok: true; addressing: ClusterAddressing; vip: string | undefined }
  | { ok: false; blocker: ConditionInput };

export async function clusterNetworkStep(input: {
  store: Store;
  allocator: IPAddressAllocator;
  cluster: ClusterDeployment;
  controlPlanes: number;
  hasMachines: boolean;
}): Promise<NetworkStep> {
  const { store, cluster } = input;
  const blocked = (reason: string, message: string): NetworkStep => ({
    ok: false,
    blocker: falseCondition(Conditions.InfrastructureReady, reason, message),
  });
  const problems = clusterNetworkProblems(cluster.spec.network);
  if (problems.length > 0) {
    return blocked(
      Reasons.InvalidNetwork,
      problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    );
  }
  const addressing = clusterAddressing(cluster, input.controlPlanes);
  const pool = cluster.spec.network?.ipPool;
  if (pool !== undefined && !(await getIfExists(store, 'IPPool', undefined, pool))) {
    return blocked(
      IPAddressClaimReasons.IPPoolNotFound,
      `spec.network.ipPool: IPPool "${pool}" does not exist`,
    );
  }
  const vip = await ensureControlPlaneVIP({
    store,
    allocator: input.allocator,
    cluster,
    plan: addressing.vip,
    hasMachines: input.hasMachines,
  });
  if (!vip.ok) {
    return blocked(vip.reason, `spec.network.controlPlaneVIP: ${vip.message}`);
  }
  return { ok: true, addressing, vip: vip.address };
}
