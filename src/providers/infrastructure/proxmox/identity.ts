// How a VM says it is Slipway's, and whose: the VM name is the machine name, the
// description names the owning cluster and carries the Machine uid (the clone call sets
// both, so even a VM whose clone is still running is recognisable), and tags mark it for
// people and for placement (`slipway`, its cluster, its role). A VM is ours only when its
// description carries the uid: a VM without it is never touched.
import type { MachineRequest } from '../types.ts';

export const slipwayTag = 'slipway';

/** What a VM's identity is made of: the request's identity fields. */
export type MachineIdentity = Pick<
  MachineRequest,
  'namespace' | 'clusterName' | 'machineName' | 'machineUID' | 'role'
>;

/** `cluster.<namespace>.<name>`: namespaces have no dots, so the tag names one cluster. */
export function clusterTag(namespace: string, clusterName: string): string {
  return `cluster.${namespace}.${clusterName}`.toLowerCase();
}

export function roleTag(role: MachineRequest['role']): string {
  return `role.${role}`;
}

/** The tags Slipway puts on a machine's VM. */
export function machineTags(id: MachineIdentity): string[] {
  return [slipwayTag, clusterTag(id.namespace, id.clusterName), roleTag(id.role)];
}

/** Proxmox keeps tags as one string, separated by `;` (also `,` or spaces on input). */
export function parseTags(tags: string | undefined): string[] {
  return (tags ?? '')
    .split(/[;, ]+/)
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

/** The VM's tags joined as Proxmox stores them, with ours added to the ones it has. */
export function withMachineTags(existing: string | undefined, id: MachineIdentity): string {
  const tags = new Set(parseTags(existing));
  for (const tag of machineTags(id)) tags.add(tag);
  return [...tags].join(';');
}

/** Whether a VM's tags include every tag Slipway gives this machine. */
export function hasMachineTags(tags: string | undefined, id: MachineIdentity): boolean {
  const have = new Set(parseTags(tags));
  return machineTags(id).every((t) => have.has(t));
}

const uidLine = 'slipway-machine-uid:';

/** The VM description: readable in the Proxmox UI, and the uid on a line of its own. */
export function machineDescription(id: MachineIdentity): string {
  return [
    `Managed by Slipway: machine ${id.machineName} (${id.role}) of cluster ${id.namespace}/${id.clusterName}.`,
    'Slipway deletes it with the machine; do not edit.',
    `${uidLine} ${id.machineUID}`,
    `slipway-cluster: ${id.namespace}/${id.clusterName}`,
  ].join('\n');
}

/** The Machine uid a description carries, if any. */
export function machineUIDOf(description: string | undefined): string | undefined {
  for (const line of (description ?? '').split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith(uidLine)) return trimmed.slice(uidLine.length).trim() || undefined;
  }
  return undefined;
}

/** `namespace/name` of the cluster a description names, if any. */
export function clusterOf(description: string | undefined): string | undefined {
  const match = /^slipway-cluster: (\S+)$/m.exec(description ?? '');
  return match?.[1];
}
