// The control-plane VIP of a cluster: allocated by the ClusterDeployment controller from
// the cluster's pool before its first machine exists, held by an IPAddress the cluster
// owns (`<cluster>-vip`), and read by the Machine controller when it renders a server's
// boot data (kube-vip manifest, tls-san) and the endpoint joining machines use.
//
// The VIP is decided while the cluster has no machines: a cluster that starts with one
// control plane keeps its first server as the endpoint even when scaled to three, since
// that server's certificate and the kubeconfig name no VIP and nothing would hold it.
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import { IPAddressClaimReasons, type IPAddress } from '../../api/kinds/ip-address.ts';
import { canonicalAddress, parseAddress } from '../../api/ip-ranges.ts';
import type { Store } from '../../store/types.ts';
import { getIfExists, isControlledBy, Labels } from '../objects.ts';
import type { IPAddressAllocator } from './allocator.ts';
import { clusterBlock, vipAddressName, type VIPPlan } from './cluster-network.ts';

export type VIPResult =
  { ok: true; address: string | undefined } | { ok: false; reason: string; message: string };

async function ownVIPAddress(
  store: Store,
  cluster: ClusterDeployment,
): Promise<string | undefined> {
  const namespace = cluster.metadata.namespace ?? '';
  const held = await getIfExists<IPAddress>(
    store,
    'IPAddress',
    namespace,
    vipAddressName(cluster.metadata.name),
  );
  return held && isControlledBy(held, cluster) ? held.spec.address : undefined;
}

/**
 * The cluster's VIP, claimed from its pool if it should have one and has none yet.
 * `hasMachines`: a cluster that already has machines and no VIP gets none.
 */
export async function ensureControlPlaneVIP(input: {
  store: Store;
  allocator: IPAddressAllocator;
  cluster: ClusterDeployment;
  plan: VIPPlan;
  hasMachines: boolean;
}): Promise<VIPResult> {
  const { store, allocator, cluster, plan } = input;
  if (plan.kind === 'none') return { ok: true, address: undefined };
  if (plan.kind === 'fixed') return { ok: true, address: plan.address };
  const held = await ownVIPAddress(store, cluster);
  if (held !== undefined) return { ok: true, address: held };
  const namespace = cluster.metadata.namespace ?? '';
  const name = vipAddressName(cluster.metadata.name);
  if (plan.address === undefined && input.hasMachines) {
    const recorded = await allocator.recorded(
      plan.pool,
      namespace,
      name,
      cluster.metadata.uid ?? '',
    );
    if (recorded === undefined) return { ok: true, address: undefined };
  }
  const block = clusterBlock(cluster, plan.pool);
  const outcome = await allocator.claim({
    pool: plan.pool,
    owner: cluster,
    name,
    ...(plan.address !== undefined ? { address: plan.address } : {}),
    ...(block ? { block } : {}),
    labels: { [Labels.cluster]: cluster.metadata.name },
  });
  if (outcome.ok) return { ok: true, address: outcome.ipAddress.spec.address };
  // An address the user chose outside the pool is theirs to keep free.
  if (plan.address !== undefined && outcome.reason === IPAddressClaimReasons.AddressNotInPool) {
    return { ok: true, address: plan.address };
  }
  return outcome;
}

/**
 * The VIP the cluster has, without allocating: the address the user chose, else its VIP
 * IPAddress, else what its pool's record holds for it (an IPAddress someone deleted).
 */
export async function controlPlaneVIPOf(input: {
  store: Store;
  allocator: IPAddressAllocator;
  cluster: ClusterDeployment;
}): Promise<string | undefined> {
  const { cluster } = input;
  const network = cluster.spec.network;
  if (!network) return undefined;
  const chosen = network.controlPlaneVIP;
  if (chosen !== undefined && parseAddress(chosen)) return canonicalAddress(chosen);
  if (chosen === 'none' || network.ipPool === undefined) return undefined;
  const held = await ownVIPAddress(input.store, cluster);
  if (held !== undefined) return held;
  return input.allocator.recorded(
    network.ipPool,
    cluster.metadata.namespace ?? '',
    vipAddressName(cluster.metadata.name),
    cluster.metadata.uid ?? '',
  );
}
