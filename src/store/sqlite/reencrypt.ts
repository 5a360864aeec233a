// Key rotation on the rows themselves: reseal every body (objects and watch log) that is
// not under the primary key, including plain-text rows of kinds now encrypted at rest,
// and report which keys rows still use.
import { envelopeKeyId, type Keyring } from '../encryption.ts';
import type { BodyCodec } from './codec.ts';
import type { LogRow, StoreDatabase, StoredBody } from './database.ts';

/** Rewrite, in one transaction, every row of `kinds` not sealed with the primary key. */
export function reencryptRows(
  db: StoreDatabase,
  codec: BodyCodec,
  keyring: Keyring,
  kinds: readonly string[],
): number {
  const encrypted = new Set(kinds);
  const stale = (kind: string, body: StoredBody | null) =>
    body instanceof Uint8Array
      ? envelopeKeyId(body) !== keyring.primaryId
      : body !== null && encrypted.has(kind);
  return db.scrubbingTransaction(() => {
    const { objects, log } = db.sealableRows(kinds);
    let rewritten = 0;
    for (const row of objects.filter((r) => stale(r.kind, r.body))) {
      const key = { kind: row.kind, namespace: row.namespace, name: row.name };
      db.setObjectBody(row.id, codec.encode(key, codec.decode(key, row.body)));
      rewritten++;
    }
    for (const row of log.filter((r) => stale(r.kind, r.body) || stale(r.kind, r.prevBody))) {
      const key = { kind: row.kind, namespace: row.namespace, name: row.name };
      const reseal = (b: LogRow['body']) => codec.encode(key, codec.decode(key, b));
      db.setLogBodies(
        row.revision,
        reseal(row.body),
        row.prevBody === null ? null : reseal(row.prevBody),
      );
      rewritten++;
    }
    return rewritten;
  });
}

/** Ids of the keys encrypted rows are sealed with. */
export function keyIdsInUse(db: StoreDatabase): string[] {
  const { objects, log } = db.sealableRows();
  const ids = new Set<string>();
  for (const body of [...objects.map((r) => r.body), ...log.flatMap((r) => [r.body, r.prevBody])]) {
    const id = body instanceof Uint8Array ? envelopeKeyId(body) : undefined;
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
