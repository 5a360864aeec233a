// Paged, filtered reads of one kind. Every page of one list is read at the revision of
// its first page (etcd keeps old versions until compaction), so a paginated list is one
// consistent snapshot, as in kube-apiserver; a continue token older than the last
// compaction answers 410 Gone. Label selectors are evaluated in process, like SQLite's.
import { type Etcd3, type IKeyValue, Range } from 'etcd3';
import { badRequest, gone } from '../../api/errors.ts';
import type { KindDefinition } from '../../api/kind.ts';
import type { AnyResource } from '../../api/meta.ts';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../api/selector.ts';
import { decodeContinue, encodeContinue } from '../continue-token.ts';
import type { ListPageOptions, ListResult } from '../types.ts';
import type { ValueCodec } from './codec.ts';
import { isCompactedError } from './errors.ts';
import { keyAfter, prefixEnd, type KeyLayout } from './keys.ts';

/** Keys read per etcd range request: bounded so one response stays well under 4 MiB. */
const batchSize = 200;

export interface ListContext {
  client: Etcd3;
  keys: KeyLayout;
  codec: ValueCodec;
}

export async function listObjects<T extends AnyResource>(
  { client, keys, codec }: ListContext,
  def: KindDefinition,
  opts: ListPageOptions,
): Promise<ListResult<T>> {
  const labels = parseLabelSelector(opts.labelSelector ?? '');
  const fields = parseFieldSelector(opts.fieldSelector ?? '');
  const limit = opts.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw badRequest(`invalid limit ${limit}: must be a whole number, 0 for no limit`);
  }
  // A namespace means nothing to a cluster-scoped kind: list them all, as for get.
  const namespace = def.namespaced && opts.namespace ? opts.namespace : undefined;
  const prefix = keys.scanPrefix(def.kind, namespace);
  const end = prefixEnd(prefix);
  const token = opts.continue ? decodeContinue(opts.continue) : undefined;
  let start = token
    ? keyAfter(keys.objectKey({ kind: def.kind, namespace: token.namespace, name: token.name }))
    : prefix;
  let revision = token?.revision;

  const items: T[] = [];
  let more = false;
  scan: for (;;) {
    const range = client.getAll().inRange(new Range(start, end)).limit(batchSize);
    if (revision !== undefined) range.revision(revision);
    let kvs: IKeyValue[];
    let hasMore: boolean;
    try {
      const res = await range.exec();
      kvs = res.kvs;
      hasMore = res.more;
      revision ??= Number(res.header.revision);
    } catch (err: unknown) {
      if (token && isCompactedError(err)) {
        throw gone(
          'the continue token is too old to give a consistent list (history was compacted); start the list again without it',
        );
      }
      throw err;
    }
    for (const kv of kvs) {
      const key = keys.parse(kv.key.toString('utf8'));
      if (!key) continue;
      const object = codec.decode(key, kv.value, kv.mod_revision) as T;
      if (!matchesLabels(labels, object.metadata.labels) || !matchesFields(fields, object))
        continue;
      // Read one match past the page, so the last page never comes back empty.
      if (limit > 0 && items.length === limit) {
        more = true;
        break scan;
      }
      items.push(object);
    }
    const last = kvs.at(-1);
    if (!hasMore || !last) break;
    start = keyAfter(last.key.toString('utf8'));
  }
  const result: ListResult<T> = { items, resourceVersion: String(revision) };
  const last = items.at(-1);
  if (more && last) {
    result.continue = encodeContinue({
      namespace: last.metadata.namespace ?? '',
      name: last.metadata.name,
      revision,
    });
  }
  return result;
}
