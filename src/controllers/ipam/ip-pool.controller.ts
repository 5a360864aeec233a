// The IPPool controller: keeps a pool's allocation record true to the world and its
// status (counts, Valid, Available) true to the record. An address is released once
// nothing holds it: no IPAddress of that address exists and the object it was claimed
// for (claimRef, by uid) is gone. While the claimant lives, an address whose IPAddress is
// missing stays allocated (the claimant's next pass re-creates the IPAddress from the
// record), so an allocation in flight is never freed and no grace period is needed. A
// cluster's block goes when the cluster does. An IPAddress that names the pool but is
// missing from the record (a record someone wiped) is taken back into it. A pool being
// deleted stays until no address of it is allocated.
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { IPAddress } from '../../api/kinds/ip-address.ts';
import {
  readIPPoolSpec,
  type IPPool,
  type IPPoolRead,
  type IPPoolStatus,
} from '../../api/kinds/ip-pool.ts';
import { canonicalAddress, parseAddress } from '../../api/ip-ranges.ts';
import type { AnyResource } from '../../api/meta.ts';
import type { Store } from '../../store/types.ts';
import { isDeepStrictEqual } from 'node:util';
import type { Events } from '../dependencies.ts';
import {
  ensureFinalizer,
  getIfExists,
  hasFinalizer,
  isDeleting,
  removeFinalizer,
} from '../objects.ts';
import type { ControllerOptions } from '../runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from '../runtime/types.ts';
import { allocate, type AllocationRecord } from './allocation.ts';
import { poolStatus, recordOf } from './pool-status.ts';

export const ipPoolFinalizer = 'slipway.dev/ip-pool';
export const ipPoolControllerName = 'ippool';

/** IPAddresses by `namespace/name`: the runtime's IPAddress informer. */
export interface IPAddressSource {
  get(key: string): IPAddress | undefined;
  list(): IPAddress[];
}

export interface IPPoolSettings {
  /** How soon a pool with addresses waiting on a living claimant, or being deleted, is looked at again (ms). */
  recheckMs: number;
}

export const defaultIPPoolSettings: IPPoolSettings = { recheckMs: 30_000 };

/** How soon a pass whose write lost to a claim's runs again (that write also queues one). */
const conflictRetryMs = 200;

export interface IPPoolControllerDeps {
  store: Store;
  events: Events;
  /** The runtime's IPAddress informer; else the store is read. */
  ipAddresses?: IPAddressSource;
  settings?: Partial<IPPoolSettings>;
  clock?: () => Date;
}

interface Sweep {
  record: AllocationRecord;
  released: string[];
  /** Allocations with no IPAddress whose claimant still exists. */
  waiting: number;
}

export function ipPoolController(deps: IPPoolControllerDeps): ControllerOptions {
  const settings: IPPoolSettings = { ...defaultIPPoolSettings, ...deps.settings };
  const { store, events } = deps;

  /** Whether an IPAddress of that name holds `address` from `pool`; the cache first, then the store. */
  async function heldBy(
    pool: string,
    namespace: string,
    name: string,
    address: string,
  ): Promise<boolean> {
    const holds = (ip: IPAddress | undefined) =>
      ip !== undefined &&
      ip.spec.poolRef.name === pool &&
      canonicalAddress(ip.spec.address) === address;
    if (holds(deps.ipAddresses?.get(`${namespace}/${name}`))) return true;
    return holds(await getIfExists<IPAddress>(store, 'IPAddress', namespace, name));
  }

  async function exists(
    kind: string,
    namespace: string,
    name: string,
    uid: string,
  ): Promise<boolean> {
    try {
      const found = await getIfExists<AnyResource>(store, kind, namespace, name);
      return found?.metadata.uid === uid;
    } catch (err: unknown) {
      // A kind this server does not know cannot hold anything.
      if (isSlipwayError(err, StatusReason.BadRequest)) return false;
      throw err;
    }
  }

  async function allIPAddresses(): Promise<IPAddress[]> {
    if (deps.ipAddresses) return deps.ipAddresses.list();
    return (await store.list<IPAddress>('IPAddress')).items;
  }

  async function sweep(pool: IPPool, read: IPPoolRead, now: Date): Promise<Sweep> {
    const name = pool.metadata.name;
    const before = recordOf(pool);
    let record: AllocationRecord = {
      allocations: { ...before.allocations },
      blocks: { ...before.blocks },
    };
    const released: string[] = [];
    let waiting = 0;
    for (const [address, a] of Object.entries(before.allocations)) {
      if (await heldBy(name, a.namespace, a.name, address)) continue;
      if (await exists(a.claimRef.kind, a.namespace, a.claimRef.name, a.claimRef.uid)) {
        waiting++;
        continue;
      }
      delete record.allocations[address];
      released.push(address);
    }
    for (const [key, block] of Object.entries(before.blocks)) {
      const [namespace = '', cluster = ''] = key.split('/', 2);
      if (!(await exists('ClusterDeployment', namespace, cluster, block.clusterUID))) {
        delete record.blocks[key];
      }
    }
    if (read.ok) record = adopt(name, read, record, await allIPAddresses(), now);
    return { record, released, waiting };
  }

  /** Take back IPAddresses that name this pool but are missing from its record. */
  function adopt(
    pool: string,
    read: IPPoolRead & { ok: true },
    record: AllocationRecord,
    ipAddresses: readonly IPAddress[],
    now: Date,
  ): AllocationRecord {
    let next = record;
    for (const ip of ipAddresses) {
      if (ip.spec.poolRef.name !== pool || isDeleting(ip)) continue;
      const address = canonicalAddress(ip.spec.address);
      if (address === undefined || next.allocations[address] !== undefined) continue;
      if (parseAddress(address)?.family !== read.layout.family) continue;
      const owner = ip.metadata.ownerReferences?.find((r) => r.controller === true);
      const claimRef = owner
        ? { kind: owner.kind, name: owner.name, uid: owner.uid }
        : { kind: 'IPAddress', name: ip.metadata.name, uid: ip.metadata.uid ?? '' };
      const { record: after, results } = allocate({
        pool,
        layout: read.layout,
        record: next,
        claims: [
          { namespace: ip.metadata.namespace ?? '', name: ip.metadata.name, claimRef, address },
        ],
        now,
      });
      if (results[0]?.ok) {
        next = after;
        void events.record(
          ip,
          'Normal',
          'AddressAdopted',
          `${address} taken back into IPPool ${pool}'s record`,
        );
      }
    }
    return next;
  }

  /**
   * Write the status with the pool's resourceVersion. A claim written meanwhile makes it a
   * Conflict: false, and the pass is run again from a fresh read (the claim's write has
   * queued one too), without the warning a thrown error would log.
   */
  async function save(pool: IPPool, status: IPPoolStatus): Promise<boolean> {
    if (isDeepStrictEqual(status, pool.status)) return true;
    try {
      await store.updateStatus<IPPool>({ ...pool, status });
      return true;
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.Conflict)) return false;
      throw err;
    }
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const found = await getIfExists<IPPool>(store, 'IPPool', undefined, key);
    if (!found) return {};
    const now = deps.clock?.() ?? ctx.now();
    if (isDeleting(found)) return reconcileDelete(found, now);
    const pool = await ensureFinalizer(store, found, ipPoolFinalizer);
    const read = readIPPoolSpec(pool.spec);
    const { record, waiting } = await sweep(pool, read, now);
    if (!(await save(pool, poolStatus({ pool, read, record, now })))) {
      return { requeueAfter: conflictRetryMs };
    }
    return waiting > 0 ? { requeueAfter: settings.recheckMs } : {};
  }

  async function reconcileDelete(pool: IPPool, now: Date): Promise<ReconcileResult> {
    if (!hasFinalizer(pool, ipPoolFinalizer)) return {};
    const read = readIPPoolSpec(pool.spec);
    const { record } = await sweep(pool, read, now);
    const left = Object.values(record.allocations);
    if (left.length === 0) {
      await removeFinalizer(store, pool, ipPoolFinalizer);
      return {};
    }
    const names = left.slice(0, 5).map((a) => `${a.namespace}/${a.name}`);
    const more = left.length > names.length ? `, and ${left.length - names.length} more` : '';
    const deleting = `being deleted: waiting for ${left.length} allocated address${left.length === 1 ? '' : 'es'} to be released (${names.join(', ')}${more})`;
    const saved = await save(pool, poolStatus({ pool, read, record, now, deleting }));
    return { requeueAfter: saved ? settings.recheckMs : conflictRetryMs };
  }

  return {
    name: ipPoolControllerName,
    forKind: 'IPPool',
    watches: [
      { kind: 'IPAddress', mapToKeys: (ip) => [(ip as IPAddress).spec.poolRef.name] },
      {
        kind: 'ClusterDeployment',
        // Only a cluster on its way out concerns its pool (its block goes with it).
        mapToKeys: (cd) => {
          const pool = (cd as ClusterDeployment).spec.network?.ipPool;
          return pool && isDeleting(cd) ? [pool] : [];
        },
      },
    ],
    reconcile,
  };
}
