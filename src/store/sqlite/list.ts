// Paged, filtered reads of one kind. Label selectors are evaluated in process (see
// docs/adr/0002-store-design.md); an exact metadata.name narrows the scan to one row.
import { badRequest } from '../../api/errors.ts';
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
import type { BodyCodec } from './codec.ts';
import type { ScanRange, StoreDatabase } from './database.ts';

export function listObjects<T extends AnyResource>(
  db: StoreDatabase,
  codec: BodyCodec,
  def: KindDefinition,
  opts: ListPageOptions,
): ListResult<T> {
  const labels = parseLabelSelector(opts.labelSelector ?? '');
  const fields = parseFieldSelector(opts.fieldSelector ?? '');
  const limit = opts.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw badRequest(`invalid limit ${limit}: must be a whole number, 0 for no limit`);
  }
  const kind = def.kind;
  const range: ScanRange = {};
  // A namespace means nothing to a cluster-scoped kind: list them all, as for get.
  if (def.namespaced && opts.namespace) range.namespace = opts.namespace;
  const name = fields.find((f) => f.field === 'metadata.name' && f.operator === 'Equals');
  if (name) range.name = name.value;
  if (opts.continue) range.after = decodeContinue(opts.continue);

  const items: T[] = [];
  let more = false;
  for (const row of db.scanObjects(kind, range)) {
    const key = { kind, namespace: row.namespace, name: row.name };
    const object = JSON.parse(codec.decode(key, row.body)) as T;
    if (!matchesLabels(labels, object.metadata.labels) || !matchesFields(fields, object)) continue;
    // Read one match past the page, so the last page never comes back empty.
    if (limit > 0 && items.length === limit) {
      more = true;
      break;
    }
    items.push(object);
  }
  const result: ListResult<T> = { items, resourceVersion: String(db.meta('revision')) };
  const last = items.at(-1);
  if (more && last) {
    result.continue = encodeContinue({
      namespace: last.metadata.namespace ?? '',
      name: last.metadata.name,
    });
  }
  return result;
}
