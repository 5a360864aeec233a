// Which node a new VM goes to. Memory-aware: a node's free memory as Proxmox reports
// it, less what Slipway already placed there that Proxmox does not count yet (VMs being
// cloned or not yet started use no memory on the node until they run). Control planes of
// one cluster go to the node with the fewest of them, so losing a node loses one etcd
// member; workers go where the most memory is free. Only nodes that are online, allowed,
// and have a template copy (or can reach a shared one) are candidates.
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
import type { TemplateCopy } from './templates.ts';

const MiB = 1024 * 1024;

export interface NodeCapacity {
  name: string;
  online: boolean;
  /** Bytes, as /nodes reports them. */
  maxmem: number;
  mem: number;
}

/** A VM of the same cluster, for spreading. */
export interface ClusterPeer {
  node: string;
  role: 'control-plane' | 'worker';
}

export interface PlacementInput {
  nodes: readonly NodeCapacity[];
  allowedNodes?: readonly string[];
  templates: readonly TemplateCopy[];
  role: 'control-plane' | 'worker';
  memoryMiB: number;
  /** Memory (MiB) per node of Slipway's VMs that Proxmox does not count yet. */
  pendingMiB: ReadonlyMap<string, number>;
  peers: readonly ClusterPeer[];
}

export interface Placement {
  /** Where the VM will run. */
  node: string;
  /** The template copy to clone: on `node`, or a shared one elsewhere. */
  source: TemplateCopy;
  /** Set when the clone crosses nodes (the `target` parameter of clone). */
  target?: string;
  /** Free memory (MiB) on the node before this VM, as counted here. */
  freeMiB: number;
}

/** The template copy that serves `node`: its own copy first, else a shared one. */
export function templateFor(
  node: string,
  templates: readonly TemplateCopy[],
): TemplateCopy | undefined {
  return templates.find((t) => t.node === node) ?? templates.find((t) => t.shared);
}

/**
 * The node for a new VM, or a retryable `NoNodeAvailable` error that says why each node
 * was passed over.
 *
 * @example
 *   choosePlacement({ nodes, templates, role: 'control-plane', memoryMiB: 4096, pendingMiB, peers })
 *   // { node: 'pve2', source: { vmid: 9000, node: 'pve1', shared: true, … }, target: 'pve2', freeMiB: 60000 }
 */
export function choosePlacement(input: PlacementInput): Placement {
  const allowed = input.allowedNodes ? new Set(input.allowedNodes) : undefined;
  const passedOver: string[] = [];
  const candidates: (Placement & { peers: number; sameRole: number })[] = [];
  for (const node of [...input.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    if (allowed && !allowed.has(node.name)) continue;
    if (!node.online) {
      passedOver.push(`${node.name} is offline`);
      continue;
    }
    const source = templateFor(node.name, input.templates);
    if (!source) {
      passedOver.push(`${node.name} has no copy of the template and none is on shared storage`);
      continue;
    }
    const freeMiB = Math.floor(
      (node.maxmem - node.mem) / MiB - (input.pendingMiB.get(node.name) ?? 0),
    );
    if (freeMiB < input.memoryMiB) {
      passedOver.push(`${node.name} has ${Math.max(freeMiB, 0)} MiB free`);
      continue;
    }
    const onNode = input.peers.filter((p) => p.node === node.name);
    candidates.push({
      node: node.name,
      source,
      ...(source.node !== node.name ? { target: node.name } : {}),
      freeMiB,
      peers: onNode.length,
      sameRole: onNode.filter((p) => p.role === input.role).length,
    });
  }
  if (allowed) {
    for (const name of allowed) {
      if (!input.nodes.some((n) => n.name === name))
        passedOver.push(`${name} is not a node of this cluster`);
    }
  }
  if (candidates.length === 0) {
    throw new ProxmoxProviderError(
      ProxmoxReasons.NoNodeAvailable,
      `no node can take a VM with ${input.memoryMiB} MiB: ${passedOver.join('; ') || 'no node is allowed'}`,
      true,
    );
  }
  candidates.sort((a, b) =>
    input.role === 'control-plane'
      ? a.sameRole - b.sameRole || b.freeMiB - a.freeMiB || a.node.localeCompare(b.node)
      : b.freeMiB - a.freeMiB || a.peers - b.peers || a.node.localeCompare(b.node),
  );
  const best = candidates[0]!;
  const placement: Placement = { node: best.node, source: best.source, freeMiB: best.freeMiB };
  if (best.target !== undefined) placement.target = best.target;
  return placement;
}
