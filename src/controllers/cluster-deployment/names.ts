// Names of what a cluster owns. Machine names are readable (`demo-cp-0`,
// `demo-worker-k7f2q`) and deterministic: the lowest free slot, hashed with the
// cluster's uid for workers. Two passes that both miss a machine just created (a stale
// cache, a retried pass) pick the same name, and the second create fails with
// AlreadyExists instead of making a second machine.
import { createHash } from 'node:crypto';

const maxNameLength = 63;

export function pkiSecretName(cluster: string): string {
  return `${cluster}-pki`;
}

export function tokenSecretName(cluster: string): string {
  return `${cluster}-token`;
}

export function kubeconfigSecretName(cluster: string): string {
  return `${cluster}-kubeconfig`;
}

export function bootstrapSecretName(machine: string): string {
  return `${machine}-bootstrap`;
}

/** `prefix-suffix`, shortening the prefix so the whole stays a DNS-1123 label. */
function join(prefix: string, suffix: string): string {
  const room = maxNameLength - suffix.length - 1;
  const head = prefix.length > room ? prefix.slice(0, room).replace(/-+$/, '') : prefix;
  return `${head}-${suffix}`;
}

export function controlPlaneName(cluster: string, slot: number): string {
  return join(cluster, `cp-${slot}`);
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters from the cluster uid and slot, in the style of Kubernetes generateName. */
function slotSuffix(clusterUID: string, slot: number): string {
  const digest = createHash('sha256').update(`${clusterUID}/worker/${slot}`).digest();
  let out = '';
  for (let i = 0; i < 5; i++) out += alphabet[(digest[i] ?? 0) % alphabet.length];
  return out;
}

export function workerName(cluster: string, clusterUID: string, slot: number): string {
  return join(cluster, `worker-${slotSuffix(clusterUID, slot)}`);
}

/**
 * `count` new names for machines of `role`, none of them in `taken` (every Machine of
 * the cluster, including those being deleted).
 */
export function newMachineNames(input: {
  cluster: string;
  clusterUID: string;
  role: 'control-plane' | 'worker';
  count: number;
  taken: ReadonlySet<string>;
}): string[] {
  const names: string[] = [];
  for (let slot = 0; names.length < input.count; slot++) {
    const name =
      input.role === 'control-plane'
        ? controlPlaneName(input.cluster, slot)
        : workerName(input.cluster, input.clusterUID, slot);
    if (!input.taken.has(name) && !names.includes(name)) names.push(name);
  }
  return names;
}
