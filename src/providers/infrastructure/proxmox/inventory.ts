// What a Proxmox credential can reach, for forms and validation: nodes with free memory,
// templates (VMID, name, tags, node), storages (content types, shared), bridges, pools.
import type { Inventory } from '../types.ts';
import { apiPath } from './api/index.ts';
import type { ProxmoxApi } from './clients.ts';
import { providerError } from './errors.ts';
import { parseTags } from './identity.ts';
import type { ProxmoxView } from './view.ts';

const MiB = 1024 * 1024;

/** The inventory with what only Proxmox has: template tags, storage content, pools. */
export interface ProxmoxInventory extends Inventory {
  nodes: { name: string; online: boolean; memoryFreeMiB?: number }[];
  templates: { id: string; name: string; node?: string; tags: string[] }[];
  storages: { name: string; node?: string; shared?: boolean; content: string[] }[];
  networks: { name: string; node?: string }[];
  pools: { name: string }[];
}

export async function readInventory(
  api: ProxmoxApi,
  view: ProxmoxView,
  signal?: AbortSignal,
): Promise<ProxmoxInventory> {
  const options = signal ? { signal } : {};
  try {
    const [nodes, vms, storages] = await Promise.all([
      view.nodes(0),
      view.vms(0),
      view.storages(0),
    ]);
    const online = nodes.filter((n) => n.online);
    const bridges = await Promise.all(
      online.map(async (node) => {
        const list = await api.get<{ iface: string; type?: string }[]>(
          apiPath`/nodes/${node.name}/network`,
          { type: 'any_bridge' },
          options,
        );
        return (list ?? []).map((b) => ({ name: b.iface, node: node.name }));
      }),
    );
    const pools = await api.get<{ poolid: string }[]>('/pools', undefined, options);
    return {
      nodes: nodes.map((n) => ({
        name: n.name,
        online: n.online,
        ...(n.maxmem > 0 ? { memoryFreeMiB: Math.floor((n.maxmem - n.mem) / MiB) } : {}),
      })),
      templates: vms
        .filter((vm) => vm.template === 1 || vm.template === true)
        .map((vm) => ({
          id: String(vm.vmid),
          name: vm.name ?? String(vm.vmid),
          node: vm.node,
          tags: parseTags(vm.tags),
        })),
      storages: storages.map((s) => ({
        name: s.storage,
        node: s.node,
        shared: s.shared === 1 || s.shared === true,
        content: (s.content ?? '').split(',').filter((c) => c.length > 0),
      })),
      networks: bridges.flat(),
      pools: (pools ?? []).map((p) => ({ name: p.poolid })),
    };
  } catch (err: unknown) {
    throw providerError(err, 'reading the Proxmox inventory');
  }
}
