// Reads of a Proxmox cluster that many reconciles share: the VM list, nodes, storages and
// template configs. Concurrent readers share one request, and an answer is reused for a
// moment (a fleet of machines polling every 2 s would otherwise list every VM dozens of
// times a second). Nothing that decides whether a VM exists relies on a cached list
// alone: a machine this process is creating is looked up by its VMID (see find-vm.ts).
import { apiPath } from './api/index.ts';
import type { ProxmoxApi } from './clients.ts';
import type { ClusterVM } from './templates.ts';
import type { NodeCapacity } from './placement.ts';

export interface ClusterStorage {
  storage: string;
  node: string;
  /** `images,iso`, … */
  content?: string;
  shared?: number | boolean;
  status?: string;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/** Cached, shared reads over one API client. */
export class ProxmoxView {
  readonly #api: ProxmoxApi;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Cached<unknown>>();

  constructor(api: ProxmoxApi, maxAgeMs = 1_000, now: () => number = Date.now) {
    this.#api = api;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  #read<T>(key: string, maxAgeMs: number, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key) as Cached<T> | undefined;
    if (hit && this.#now() - hit.at <= maxAgeMs) return hit.value;
    const value = load();
    const entry = { at: this.#now(), value };
    this.#cache.set(key, entry);
    // A failed read is not kept.
    value.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return value;
  }

  /** Forget cached answers (after this process changed what they describe). */
  invalidate(key?: 'vms' | 'nodes' | 'storages'): void {
    if (key) this.#cache.delete(key);
    else this.#cache.clear();
  }

  /** Everything `/cluster/resources?type=vm` lists (VMs and containers). */
  #resources(maxAgeMs: number): Promise<(ClusterVM & { type?: string })[]> {
    return this.#read('vms', maxAgeMs, async () => {
      const list = await this.#api.get<(ClusterVM & { type?: string })[]>('/cluster/resources', {
        type: 'vm',
      });
      return list ?? [];
    });
  }

  /** Every VM the credential may audit; `maxAgeMs` 0 forces a fresh list. */
  async vms(maxAgeMs = this.#maxAgeMs): Promise<ClusterVM[]> {
    // LXC containers share the ID space but are never ours.
    return (await this.#resources(maxAgeMs)).filter((vm) => vm.type !== 'lxc');
  }

  /** VMIDs of everything listed, containers included (they share the ID space). */
  async usedVmids(maxAgeMs = this.#maxAgeMs): Promise<Set<number>> {
    return new Set((await this.#resources(maxAgeMs)).map((r) => r.vmid));
  }

  nodes(maxAgeMs = this.#maxAgeMs): Promise<NodeCapacity[]> {
    return this.#read('nodes', maxAgeMs, async () => {
      const list =
        await this.#api.get<{ node: string; status?: string; maxmem?: number; mem?: number }[]>(
          '/nodes',
        );
      return (list ?? []).map((n) => ({
        name: n.node,
        online: n.status === 'online',
        maxmem: n.maxmem ?? 0,
        mem: n.mem ?? 0,
      }));
    });
  }

  /** Storages per node (`/cluster/resources?type=storage`). */
  storages(maxAgeMs = 10_000): Promise<ClusterStorage[]> {
    return this.#read('storages', maxAgeMs, async () => {
      const list = await this.#api.get<ClusterStorage[]>('/cluster/resources', { type: 'storage' });
      return list ?? [];
    });
  }

  /** A template's config: templates do not change under us, so it is kept a minute. */
  templateConfig(node: string, vmid: number): Promise<Record<string, unknown>> {
    return this.#read(`template/${node}/${vmid}`, 60_000, () =>
      this.#api.get<Record<string, unknown>>(apiPath`/nodes/${node}/qemu/${vmid}/config`),
    );
  }
}

/** Whether a storage is shared (cluster resources say `shared: 1`). */
export function isSharedStorage(storages: readonly ClusterStorage[], storage: string): boolean {
  return storages.some((s) => s.storage === storage && (s.shared === 1 || s.shared === true));
}

/** Whether a storage on a node accepts a content type (`iso`, `images`). */
export function storageAccepts(
  storages: readonly ClusterStorage[],
  node: string,
  storage: string,
  content: string,
): boolean | undefined {
  const entry = storages.find((s) => s.storage === storage && s.node === node);
  if (!entry) return undefined;
  return (entry.content ?? '').split(',').includes(content);
}
