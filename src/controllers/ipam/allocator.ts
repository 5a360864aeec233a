// Claiming addresses from IPPools. The pool's allocation record (status.allocations) is
// the one place that says which address is whose; it changes only by compare-and-swap on
// the pool's resourceVersion (read, change, updateStatus with that revision; Conflict →
// read again and redo), as Kubernetes keeps Service cluster IPs in one RangeAllocation.
// So two claims, in any namespaces and any processes, can never both get an address.
// Only then is the IPAddress created, in the claimant's namespace and owned by it.
//
// Claims for one pool that arrive while a write is under way wait and go together in the
// next write: a hundred machines starting at once cost a few writes, not a hundred
// rounds of conflicts. Across processes the compare-and-swap alone keeps it right.
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import {
  IPAddressClaimReasons,
  type IPAddress,
  type IPAddressSpec,
} from '../../api/kinds/ip-address.ts';
import { readIPPoolSpec, type IPPool } from '../../api/kinds/ip-pool.ts';
import { ApiVersion, type AnyResource } from '../../api/meta.ts';
import type { Store } from '../../store/types.ts';
import {
  controllerReference,
  createOrGet,
  getIfExists,
  isControlledBy,
  isDeleting,
  Labels,
} from '../objects.ts';
import {
  allocate,
  recordedAddress,
  type AddressClaim,
  type AllocationResult,
} from './allocation.ts';
import { poolStatus, recordOf } from './pool-status.ts';

export interface IPAddressRequest {
  pool: string;
  /** The Machine or ClusterDeployment the address is for: it owns the IPAddress. */
  owner: AnyResource;
  /** Name of the IPAddress, in the owner's namespace. */
  name: string;
  /** A specific address (must be one the pool hands out). */
  address?: string;
  /** Keep a contiguous block for the owner's cluster and take addresses from it. */
  block?: AddressClaim['block'];
  /** Labels for the IPAddress (its cluster). */
  labels?: Record<string, string>;
}

export type ClaimOutcome =
  { ok: true; ipAddress: IPAddress } | { ok: false; reason: string; message: string };

/** A pick plus the pool settings an IPAddress copies. */
type Pick =
  | { ok: true; address: string; settings: Omit<IPAddressSpec, 'poolRef' | 'address' | 'claimRef'> }
  | { ok: false; reason: string; message: string };

interface Pending {
  claim: AddressClaim;
  resolve: (pick: Pick) => void;
  reject: (err: unknown) => void;
}

export interface IPAddressAllocatorOptions {
  store: Store;
  clock?: () => Date;
  /** Conflicts in a row before a batch gives up (its claims are retried by their callers). */
  maxAttempts?: number;
}

export class IPAddressAllocator {
  readonly #store: Store;
  readonly #clock: () => Date;
  readonly #maxAttempts: number;
  readonly #pending = new Map<string, Pending[]>();
  readonly #running = new Set<string>();

  constructor(options: IPAddressAllocatorOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? (() => new Date());
    this.#maxAttempts = options.maxAttempts ?? 50;
  }

  /**
   * The owner's IPAddress: the one it has, else a new address from the pool. Idempotent:
   * asking again (after a crash, on the next pass) answers the same address. A failure
   * that waiting can cure or a person must fix comes back as `ok: false` with a reason
   * (PoolExhausted, IPPoolNotFound, …) and changes nothing.
   *
   * @example
   * const got = await allocator.claim({ pool: 'lab', owner: machine, name: machine.metadata.name });
   * if (got.ok) console.log(got.ipAddress.spec.address);
   */
  async claim(request: IPAddressRequest): Promise<ClaimOutcome> {
    const { owner, name } = request;
    const namespace = owner.metadata.namespace ?? '';
    const uid = owner.metadata.uid;
    if (!uid) throw new Error(`${owner.kind} ${owner.metadata.name} has no uid`);
    const existing = await getIfExists<IPAddress>(this.#store, 'IPAddress', namespace, name);
    if (existing) return this.#mine(existing, owner);

    const claim: AddressClaim = {
      namespace,
      name,
      claimRef: { kind: owner.kind, name: owner.metadata.name, uid },
      ...(request.address !== undefined ? { address: request.address } : {}),
      ...(request.block ? { block: request.block } : {}),
    };
    const pick = await this.#enqueue(request.pool, claim);
    if (!pick.ok) return pick;
    const ipAddress: IPAddress = {
      apiVersion: ApiVersion,
      kind: 'IPAddress',
      metadata: {
        name,
        namespace,
        labels: { ...request.labels, [Labels.ipPool]: request.pool },
        ownerReferences: [controllerReference(owner)],
      },
      spec: {
        poolRef: { name: request.pool },
        address: pick.address,
        ...pick.settings,
        claimRef: { kind: owner.kind, name: owner.metadata.name },
      },
    };
    return this.#mine(await createOrGet(this.#store, ipAddress), owner);
  }

  /** The address the pool's record holds for this claim, without allocating one. */
  async recorded(
    pool: string,
    namespace: string,
    name: string,
    claimUID: string,
  ): Promise<string | undefined> {
    const found = await getIfExists<IPPool>(this.#store, 'IPPool', undefined, pool);
    return found ? recordedAddress(recordOf(found), { namespace, name, claimUID }) : undefined;
  }

  #mine(ipAddress: IPAddress, owner: AnyResource): ClaimOutcome {
    if (isControlledBy(ipAddress, owner)) return { ok: true, ipAddress };
    return {
      ok: false,
      reason: IPAddressClaimReasons.WaitingForIPAddress,
      message: `IPAddress ${ipAddress.metadata.namespace ?? ''}/${ipAddress.metadata.name} exists and is not ${owner.kind} ${owner.metadata.name}'s; waiting for it to be removed`,
    };
  }

  #enqueue(pool: string, claim: AddressClaim): Promise<Pick> {
    return new Promise<Pick>((resolve, reject) => {
      const list = this.#pending.get(pool) ?? [];
      list.push({ claim, resolve, reject });
      this.#pending.set(pool, list);
      if (!this.#running.has(pool)) {
        this.#running.add(pool);
        void this.#drain(pool);
      }
    });
  }

  /** Write batches for `pool` until no claim waits. Never rejects. */
  async #drain(pool: string): Promise<void> {
    try {
      for (;;) {
        const batch = this.#pending.get(pool) ?? [];
        this.#pending.delete(pool);
        if (batch.length === 0) return;
        try {
          const picks = await this.#allocateBatch(
            pool,
            batch.map((p) => p.claim),
          );
          batch.forEach((p, i) => {
            p.resolve(picks[i] ?? { ok: false, reason: 'InternalError', message: 'no result' });
          });
        } catch (err: unknown) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#running.delete(pool);
    }
  }

  async #allocateBatch(pool: string, claims: AddressClaim[]): Promise<Pick[]> {
    const failAll = (reason: string, message: string): Pick[] =>
      claims.map(() => ({ ok: false, reason, message }));
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const found = await getIfExists<IPPool>(this.#store, 'IPPool', undefined, pool);
      if (!found) {
        return failAll(IPAddressClaimReasons.IPPoolNotFound, `IPPool ${pool} does not exist`);
      }
      const read = readIPPoolSpec(found.spec);
      if (!read.ok) {
        const why = read.causes.map((c) => `${c.field}: ${c.message}`).join('; ');
        return failAll(IPAddressClaimReasons.IPPoolInvalid, `IPPool ${pool} is invalid: ${why}`);
      }
      const now = this.#clock();
      const before = recordOf(found);
      const { record, results, changed } = allocate({
        pool,
        layout: read.layout,
        record: before,
        claims,
        now,
      });
      const settings = {
        prefix: read.layout.prefix,
        ...(found.spec.gateway !== undefined ? { gateway: found.spec.gateway } : {}),
        ...(found.spec.dnsServers?.length ? { dnsServers: found.spec.dnsServers } : {}),
        ...(found.spec.searchDomains?.length ? { searchDomains: found.spec.searchDomains } : {}),
      };
      const toPick = (r: AllocationResult): Pick => (r.ok ? { ...r, settings } : r);
      if (isDeleting(found)) {
        // A pool being deleted answers only what it already holds.
        return claims.map((claim) => {
          const address = recordedAddress(before, { ...claim, claimUID: claim.claimRef.uid });
          return address !== undefined
            ? { ok: true, address, settings }
            : {
                ok: false,
                reason: IPAddressClaimReasons.IPPoolDeleting,
                message: `IPPool ${pool} is being deleted and hands out no more addresses`,
              };
        });
      }
      if (!changed) return results.map(toPick);
      const status = poolStatus({ pool: found, read, record, now });
      try {
        await this.#store.updateStatus<IPPool>({ ...found, status });
      } catch (err: unknown) {
        if (isSlipwayError(err, StatusReason.Conflict)) continue;
        throw err;
      }
      return results.map(toPick);
    }
    throw new Error(
      `IPPool ${pool}: its allocation record changed under ${this.#maxAttempts} attempts in a row; trying again later`,
    );
  }
}
