// An IPPool's status from its spec and allocation record: counts and the Valid and
// Available conditions. The allocator writes it with every change to the record and the
// pool controller with every release, so the counts always match the record.
import {
  IPPoolConditions,
  IPPoolReasons,
  type IPPool,
  type IPPoolRead,
  type IPPoolStatus,
} from '../../api/kinds/ip-pool.ts';
import {
  falseCondition,
  setConditions,
  trueCondition,
  type ConditionInput,
} from '../conditions.ts';
import { poolCounts, type AllocationRecord } from './allocation.ts';

/** Counts in status are JSON numbers: an IPv6 /64 holds more than a double counts exactly. */
function asNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** The allocation record kept in the pool's status (empty for a new pool). */
export function recordOf(pool: IPPool): AllocationRecord {
  return { allocations: pool.status?.allocations ?? {}, blocks: pool.status?.blocks ?? {} };
}

export function poolStatus(input: {
  pool: IPPool;
  read: IPPoolRead;
  record: AllocationRecord;
  now: Date;
  /** Set while the pool is being deleted: why it is still there. */
  deleting?: string;
}): IPPoolStatus {
  const { pool, read, record } = input;
  const conditions: ConditionInput[] = [];
  const status: IPPoolStatus = { ...pool.status };
  if (read.ok) {
    const counts = poolCounts(read.layout, record);
    status.total = asNumber(counts.total);
    status.allocated = counts.allocated;
    status.free = asNumber(counts.free);
    conditions.push(
      trueCondition(
        IPPoolConditions.Valid,
        IPPoolReasons.PoolValid,
        `${status.total} addresses in IPv${read.layout.family} /${read.layout.prefix}`,
      ),
    );
    if (input.deleting !== undefined) {
      conditions.push(
        falseCondition(IPPoolConditions.Available, IPPoolReasons.PoolInUse, input.deleting),
      );
    } else if (counts.free === 0n) {
      conditions.push(
        falseCondition(
          IPPoolConditions.Available,
          IPPoolReasons.PoolExhausted,
          `all ${status.total} addresses are allocated`,
        ),
      );
    } else {
      conditions.push(
        trueCondition(
          IPPoolConditions.Available,
          IPPoolReasons.AddressesAvailable,
          `${status.free} of ${status.total} addresses free`,
        ),
      );
    }
  } else {
    const message = read.causes.map((c) => `${c.field}: ${c.message}`).join('; ');
    status.allocated = Object.keys(record.allocations).length;
    conditions.push(falseCondition(IPPoolConditions.Valid, IPPoolReasons.InvalidRange, message));
    conditions.push(
      falseCondition(
        IPPoolConditions.Available,
        input.deleting !== undefined ? IPPoolReasons.PoolInUse : IPPoolReasons.InvalidRange,
        input.deleting ?? 'the pool hands out nothing until its spec is fixed',
      ),
    );
  }
  status.allocations = record.allocations;
  if (Object.keys(record.blocks).length > 0) status.blocks = record.blocks;
  else delete status.blocks;
  const generation = pool.metadata.generation;
  status.conditions = setConditions(pool.status?.conditions, conditions, input.now, generation);
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}
