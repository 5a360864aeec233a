// The store's revision and its compaction point. Both come from one linearizable read
// of the compaction record: its response header carries etcd's current revision.
import type { Etcd3 } from 'etcd3';
import { badRequest } from '../../api/errors.ts';
import { isCompactedError } from './errors.ts';
import type { KeyLayout } from './keys.ts';

export interface Revisions {
  /** etcd's revision now. */
  current: number;
  /** The revision the store was last compacted to (0: never). */
  compacted: number;
  /** The compaction record's mod revision, for compare-and-swap; absent when none. */
  recordRevision?: string;
}

export async function readRevisions(client: Etcd3, keys: KeyLayout): Promise<Revisions> {
  const res = await client.get(keys.compacted).exec();
  const kv = res.kvs[0];
  return {
    current: Number(res.header.revision),
    compacted: kv ? Number(kv.value.toString('utf8')) : 0,
    ...(kv ? { recordRevision: kv.mod_revision } : {}),
  };
}

/**
 * Record `target` as the compaction point (so watches from before it answer Gone on
 * every replica), then compact etcd's history there. The record only ever rises, however
 * many replicas compact at once. etcd keeps the values at `target` itself, which the
 * DELETED events of later revisions need as their last content.
 */
export async function compactTo(
  client: Etcd3,
  keys: KeyLayout,
  target: number,
  maxAttempts: number,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const { current, compacted, recordRevision } = await readRevisions(client, keys);
    if (target > current) {
      throw badRequest(`cannot compact to ${target}: the store is at revision ${current}`);
    }
    if (target <= compacted) return;
    const unchanged =
      recordRevision === undefined
        ? client.if(keys.compacted, 'Create', '==', 0)
        : client.if(keys.compacted, 'Mod', '==', recordRevision);
    const record = client.put(keys.compacted).value(String(target));
    if ((await unchanged.then(record).commit()).succeeded) break;
    if (attempt >= maxAttempts) throw new Error('compaction kept losing races to other replicas');
  }
  try {
    await client.kv.compact({ revision: String(target) });
  } catch (err: unknown) {
    // Another replica (or another store on the same etcd) already compacted further.
    if (!isCompactedError(err)) throw err;
  }
}
