// Choosing addresses: a pure function from a pool's layout, its allocation record and a
// batch of claims to the record after those claims. The allocator (allocator.ts) reads
// the record from the IPPool and writes the result back with compare-and-swap; nothing
// here touches the store, so every rule can be tested alone.
//
// Rules: a claim already in the record gets the same address again (a claimant that
// crashed after the write and came back); a specific address is given only if free and
// in the pool; otherwise the lowest free address. A cluster with a block gets addresses
// from its block only, and nobody else gets addresses from it.
import { IPAddressClaimReasons } from '../../api/kinds/ip-address.ts';
import type { IPPoolAllocation, IPPoolBlock, IPPoolLayout } from '../../api/kinds/ip-pool.ts';
import {
  canonicalAddress,
  countAddresses,
  formatAddress,
  mergeRanges,
  parseAddress,
  subtractRanges,
  type AddressRange,
  type IPFamily,
} from '../../api/ip-ranges.ts';

/** What an address is for: the object whose going releases it. */
export interface ClaimRef {
  kind: string;
  name: string;
  uid: string;
}

export interface AddressClaim {
  /** Namespace of the claimant and of the IPAddress that will hold the address. */
  namespace: string;
  /** Name of the IPAddress that will hold the address. */
  name: string;
  claimRef: ClaimRef;
  /** A specific address (a VIP the user chose); else the lowest free one. */
  address?: string;
  /** The claimant's cluster keeps a contiguous block of `size` addresses in this pool. */
  block?: { cluster: string; clusterUID: string; size: number };
}

export type AllocationResult =
  { ok: true; address: string } | { ok: false; reason: string; message: string };

export interface AllocationRecord {
  allocations: Record<string, IPPoolAllocation>;
  blocks: Record<string, IPPoolBlock>;
}

/** Free addresses as sorted, disjoint ranges, taken from one at a time. */
class FreeList {
  ranges: AddressRange[];

  constructor(ranges: AddressRange[]) {
    this.ranges = ranges.map((r) => ({ ...r }));
  }

  /** The lowest free address (inside `within`, when given). */
  first(within?: AddressRange): bigint | undefined {
    for (const r of this.ranges) {
      if (!within) return r.first;
      if (r.last < within.first) continue;
      if (r.first > within.last) return undefined;
      return r.first > within.first ? r.first : within.first;
    }
    return undefined;
  }

  /** The first address of the lowest run of `size` free addresses. */
  run(size: bigint): bigint | undefined {
    return this.ranges.find((r) => r.last - r.first + 1n >= size)?.first;
  }

  has(value: bigint): boolean {
    return this.ranges.some((r) => r.first <= value && value <= r.last);
  }

  take(first: bigint, last: bigint): void {
    const family = this.ranges[0]?.family;
    if (family === undefined) return;
    this.ranges = subtractRanges(this.ranges, [{ family, first, last }]);
  }
}

/** The address the record holds for a claim (IPAddress namespace/name, claimant uid), if any. */
export function recordedAddress(
  record: AllocationRecord,
  claim: Pick<AddressClaim, 'namespace' | 'name'> & { claimUID: string },
): string | undefined {
  for (const [address, a] of Object.entries(record.allocations)) {
    if (
      a.namespace === claim.namespace &&
      a.name === claim.name &&
      a.claimRef.uid === claim.claimUID
    ) {
      return address;
    }
  }
  return undefined;
}

/** `namespace/cluster`: the key of a cluster's block in the record. */
export function blockKey(namespace: string, cluster: string): string {
  return `${namespace}/${cluster}`;
}

function blockRange(family: IPFamily, block: IPPoolBlock): AddressRange | undefined {
  const first = parseAddress(block.first);
  if (!first || first.family !== family) return undefined;
  return { family, first: first.value, last: first.value + BigInt(block.size) - 1n };
}

function allocatedRanges(family: IPFamily, record: AllocationRecord): AddressRange[] {
  const singles: AddressRange[] = [];
  for (const address of Object.keys(record.allocations)) {
    const parsed = parseAddress(address);
    if (parsed?.family === family)
      singles.push({ family, first: parsed.value, last: parsed.value });
  }
  return mergeRanges(singles);
}

/** total, allocated and free, as the pool's status reports them. */
export function poolCounts(
  layout: IPPoolLayout,
  record: AllocationRecord,
): { total: bigint; allocated: number; free: bigint } {
  const free = countAddresses(
    subtractRanges(layout.usable, allocatedRanges(layout.family, record)),
  );
  return { total: layout.total, allocated: Object.keys(record.allocations).length, free };
}

/**
 * The record after `claims`, and each claim's result, in order. `changed` says whether
 * the record must be written back.
 */
export function allocate(input: {
  pool: string;
  layout: IPPoolLayout;
  record: AllocationRecord;
  claims: readonly AddressClaim[];
  now: Date;
}): { record: AllocationRecord; results: AllocationResult[]; changed: boolean } {
  const { layout, pool } = input;
  const family = layout.family;
  const record: AllocationRecord = {
    allocations: { ...input.record.allocations },
    blocks: { ...input.record.blocks },
  };
  const since = input.now.toISOString();
  const held = new Map<string, string>();
  for (const [address, a] of Object.entries(record.allocations)) {
    held.set(`${a.namespace}/${a.name}/${a.claimRef.uid}`, address);
  }
  const usable = new FreeList(layout.usable);
  const freeAll = new FreeList(subtractRanges(layout.usable, allocatedRanges(family, record)));
  const blocks = () =>
    mergeRanges(
      Object.values(record.blocks)
        .map((b) => blockRange(family, b))
        .filter((r): r is AddressRange => r !== undefined),
    );
  const freeOutsideBlocks = new FreeList(subtractRanges(freeAll.ranges, blocks()));
  let changed = false;

  const give = (claim: AddressClaim, value: bigint): AllocationResult => {
    const address = formatAddress(family, value);
    record.allocations[address] = {
      namespace: claim.namespace,
      name: claim.name,
      claimRef: { ...claim.claimRef },
      since,
    };
    held.set(`${claim.namespace}/${claim.name}/${claim.claimRef.uid}`, address);
    freeAll.take(value, value);
    freeOutsideBlocks.take(value, value);
    changed = true;
    return { ok: true, address };
  };
  const fail = (reason: string, message: string): AllocationResult => ({
    ok: false,
    reason,
    message,
  });

  const one = (claim: AddressClaim): AllocationResult => {
    const again = held.get(`${claim.namespace}/${claim.name}/${claim.claimRef.uid}`);
    if (again !== undefined) return { ok: true, address: again };

    if (claim.address !== undefined) {
      const wanted = parseAddress(claim.address);
      const text = canonicalAddress(claim.address) ?? claim.address;
      if (!wanted || wanted.family !== family || !usable.has(wanted.value)) {
        return fail(
          IPAddressClaimReasons.AddressNotInPool,
          `${text} is not one of the addresses IPPool ${pool} hands out`,
        );
      }
      const holder = record.allocations[text];
      if (holder) {
        return fail(
          IPAddressClaimReasons.AddressInUse,
          `${text} in IPPool ${pool} is held by IPAddress ${holder.namespace}/${holder.name}`,
        );
      }
      if (!freeOutsideBlocks.has(wanted.value)) {
        return fail(
          IPAddressClaimReasons.AddressInUse,
          `${text} in IPPool ${pool} is in the block kept for another cluster`,
        );
      }
      return give(claim, wanted.value);
    }

    if (!claim.block) {
      const value = freeOutsideBlocks.first();
      if (value === undefined) {
        const { total } = poolCounts(layout, record);
        return fail(
          IPAddressClaimReasons.PoolExhausted,
          `IPPool ${pool} has no free address (all ${total} are allocated or kept in cluster blocks)`,
        );
      }
      return give(claim, value);
    }

    const { cluster, clusterUID, size } = claim.block;
    const key = blockKey(claim.namespace, cluster);
    let block = record.blocks[key];
    if (block && block.clusterUID !== clusterUID) {
      return fail(
        IPAddressClaimReasons.WaitingForIPAddress,
        `IPPool ${pool} still keeps the block of an earlier cluster ${key}; it is released once that cluster is gone`,
      );
    }
    if (!block) {
      const start = freeOutsideBlocks.run(BigInt(size));
      if (start === undefined) {
        return fail(
          IPAddressClaimReasons.PoolExhausted,
          `IPPool ${pool} has no ${size} contiguous free addresses for the block of cluster ${key}`,
        );
      }
      block = { clusterUID, first: formatAddress(family, start), size, since };
      record.blocks[key] = block;
      freeOutsideBlocks.take(start, start + BigInt(size) - 1n);
      changed = true;
    }
    const range = blockRange(family, block);
    const value = range ? freeAll.first(range) : undefined;
    if (value === undefined) {
      return fail(
        IPAddressClaimReasons.PoolExhausted,
        `the block of ${block.size} addresses IPPool ${pool} keeps for cluster ${key} is full`,
      );
    }
    return give(claim, value);
  };

  const results = input.claims.map(one);
  return { record, results, changed };
}
