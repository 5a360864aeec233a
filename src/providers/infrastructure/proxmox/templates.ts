// Finding the golden template: by VMID, by name or by tags, among the VMs Proxmox
// lists. A template is either one VM whose disks are on shared storage (it serves every
// node) or one copy per node (each node clones its own). Two matches on one node, or
// none at all, is an error that says which VMs matched.
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
import { parseTags } from './identity.ts';
import type { ResolvedMachineSettings } from './settings.ts';

/** A VM as `/cluster/resources?type=vm` lists it (the fields used here). */
export interface ClusterVM {
  vmid: number;
  node: string;
  name?: string;
  /** 1 for a template. */
  template?: number | boolean;
  tags?: string;
  status?: string;
  lock?: string;
  maxmem?: number;
  pool?: string;
}

export type TemplateSelector = ResolvedMachineSettings['template'];

export function describeSelector(selector: TemplateSelector): string {
  if ('vmid' in selector) return `VMID ${selector.vmid}`;
  if ('name' in selector) return `name "${selector.name}"`;
  return `tags ${selector.tags.join(', ')}`;
}

function matches(vm: ClusterVM, selector: TemplateSelector): boolean {
  if ('vmid' in selector) return vm.vmid === selector.vmid;
  if ('name' in selector) return vm.name === selector.name;
  const tags = new Set(parseTags(vm.tags));
  return selector.tags.every((t) => tags.has(t));
}

const isTemplate = (vm: ClusterVM) => vm.template === 1 || vm.template === true;

/**
 * The template VMs the selector picks: at most one per node. Throws `TemplateNotFound`
 * when none matches (naming a matching VM that is not a template, if any) and
 * `AmbiguousTemplate` when one node has two (both retryable: someone may fix it).
 *
 * @example
 *   selectTemplates(vms, { name: 'ubuntu-2404-k3s' }); // [{ vmid: 9000, node: 'pve1', … }]
 */
export function selectTemplates(
  vms: readonly ClusterVM[],
  selector: TemplateSelector,
): ClusterVM[] {
  const matching = vms.filter((vm) => matches(vm, selector));
  const templates = matching.filter(isTemplate);
  if (templates.length === 0) {
    const notTemplates = matching.map((vm) => `${vm.vmid} on ${vm.node}`);
    throw new ProxmoxProviderError(
      ProxmoxReasons.TemplateNotFound,
      notTemplates.length > 0
        ? `no template with ${describeSelector(selector)}: VM ${notTemplates.join(', ')} matches but is not a template (convert it with "qm template")`
        : `no template with ${describeSelector(selector)} is visible to this credential`,
      true,
    );
  }
  const byNode = new Map<string, ClusterVM[]>();
  for (const vm of templates) byNode.set(vm.node, [...(byNode.get(vm.node) ?? []), vm]);
  const crowded = [...byNode.entries()].filter(([, list]) => list.length > 1);
  if (crowded.length > 0) {
    const detail = crowded
      .map(([node, list]) => `${node}: ${list.map((vm) => vm.vmid).join(', ')}`)
      .join('; ');
    throw new ProxmoxProviderError(
      ProxmoxReasons.AmbiguousTemplate,
      `more than one template with ${describeSelector(selector)} on one node (${detail}): choose it by VMID or give each copy its own name or tags`,
      true,
    );
  }
  return [...templates].sort((a, b) => a.node.localeCompare(b.node) || a.vmid - b.vmid);
}

/** Config keys that hold disks (not `unused*`, which are detached). */
const diskKey = /^(?:scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/;

/** Storage IDs of a VM's disks (CD-ROMs and cloud-init drives left out). */
export function diskStorages(config: Readonly<Record<string, unknown>>): string[] {
  const storages = new Set<string>();
  for (const [key, value] of Object.entries(config)) {
    if (!diskKey.test(key) || typeof value !== 'string') continue;
    if (/(^|,)media=cdrom(,|$)/.test(value) || /cloudinit/.test(value)) continue;
    const volume = value.split(',')[0] ?? '';
    const colon = volume.indexOf(':');
    if (colon > 0) storages.add(volume.slice(0, colon));
  }
  return [...storages].sort();
}

/** A template copy and whether it can be cloned to other nodes (all disks shared). */
export interface TemplateCopy {
  vmid: number;
  node: string;
  name?: string;
  /** Every disk is on shared storage: a clone may target any node. */
  shared: boolean;
  /** Storage IDs of its disks. */
  storages: string[];
}
