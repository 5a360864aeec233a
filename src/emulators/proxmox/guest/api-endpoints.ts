// Where the guests' K3s API servers listen: each server node at <its address>:6443, and a
// VIP (kube-vip) at <vip>:6443 held by any running server of its cluster. A listener
// lives while a running VM holds it; addresses outside 127/8 cannot be bound in tests
// and are skipped (the emulator reports them in the guest's boot message).
import { isIPv4 } from 'node:net';
import {
  serveClusterAt,
  type ClusterListener,
} from '../../../providers/infrastructure/sim/child-api/cluster-listener.ts';
import type { PersistentSimClusterRegistry } from '../../../providers/infrastructure/sim/child-api/registry.ts';

interface Held {
  clusterId: string;
  holders: Set<number>;
  listener: Promise<ClusterListener | undefined>;
  problem?: string;
}

export class ApiEndpoints {
  readonly #registry: PersistentSimClusterRegistry;
  readonly #port: number;
  readonly #held = new Map<string, Held>();

  constructor(registry: PersistentSimClusterRegistry, port: number) {
    this.#registry = registry;
    this.#port = port;
  }

  get port(): number {
    return this.#port;
  }

  /**
   * VM `vmid` serves cluster `clusterId` at `address`. Resolves to a problem text when it
   * cannot (another cluster has the address, the address cannot be bound).
   */
  async hold(
    address: string,
    clusterId: string,
    vmid: number,
    names: readonly string[],
  ): Promise<string | undefined> {
    if (!isIPv4(address) || !address.startsWith('127.')) {
      return `the emulator serves guest APIs on 127.0.0.0/8 only, not on ${address}`;
    }
    const held = this.#held.get(address);
    if (held) {
      if (held.clusterId !== clusterId)
        return `address ${address} is already used by cluster ${held.clusterId}`;
      held.holders.add(vmid);
      await held.listener;
      return held.problem;
    }
    const entry: Held = {
      clusterId,
      holders: new Set([vmid]),
      listener: serveClusterAt({
        registry: this.#registry,
        clusterId,
        host: address,
        port: this.#port,
        names,
      }).catch((err: unknown) => {
        entry.problem = `cannot listen on ${address}:${this.#port}: ${(err as Error).message}`;
        this.#held.delete(address);
        return undefined;
      }),
    };
    this.#held.set(address, entry);
    await entry.listener;
    return entry.problem;
  }

  /** VM `vmid` stops serving everywhere; listeners nobody holds close. */
  async release(vmid: number): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [address, held] of this.#held) {
      if (!held.holders.delete(vmid) || held.holders.size > 0) continue;
      this.#held.delete(address);
      closing.push(held.listener.then((l) => l?.close()));
    }
    await Promise.all(closing);
  }

  /** The cluster whose API answers at `host:port`, if any (how a joining node finds it). */
  clusterAt(host: string, port: number): string | undefined {
    if (port !== this.#port) return undefined;
    return this.#held.get(host)?.clusterId;
  }

  /** Addresses a cluster is served at. */
  addressesOf(clusterId: string): string[] {
    return [...this.#held].filter(([, h]) => h.clusterId === clusterId).map(([a]) => a);
  }

  async closeAll(): Promise<void> {
    const all = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(all.map((h) => h.listener.then((l) => l?.close())));
  }
}
