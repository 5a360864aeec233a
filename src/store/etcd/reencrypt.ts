// Key rotation on the stored values: reseal every object of a kind encrypted at rest
// that is not under the primary key (plain-text ones included), and report which keys
// stored values use. Unlike SQLite's, a rewrite is a write: the object gets a new
// resourceVersion and watchers see a MODIFIED event with the same content. etcd's
// history keeps the old envelopes until it is compacted past the rewrite.
import { Range, type Etcd3, type IKeyValue } from 'etcd3';
import { envelopeKeyId } from '../encryption.ts';
import type { ValueCodec } from './codec.ts';
import { keyAfter, prefixEnd, type KeyLayout } from './keys.ts';

const batchSize = 200;

/** Every object key and value of `kinds`, in batches (no snapshot: live values). */
async function* scanKinds(
  client: Etcd3,
  keys: KeyLayout,
  kinds: readonly string[],
): AsyncGenerator<IKeyValue> {
  for (const kind of kinds) {
    const prefix = keys.scanPrefix(kind);
    const end = prefixEnd(prefix);
    let start = prefix;
    for (;;) {
      const res = await client.getAll().inRange(new Range(start, end)).limit(batchSize).exec();
      yield* res.kvs;
      const last = res.kvs.at(-1);
      if (!res.more || !last) break;
      start = keyAfter(last.key.toString('utf8'));
    }
  }
}

/**
 * Rewrite every object of `kinds` not sealed with the codec's primary key, each in a
 * transaction guarded by its mod revision; one changed meanwhile is read again (a write
 * since then is already under the primary key). Returns how many were rewritten.
 */
export async function reencryptObjects(
  client: Etcd3,
  keys: KeyLayout,
  codec: ValueCodec,
  kinds: readonly string[],
): Promise<number> {
  let rewritten = 0;
  for await (const first of scanKinds(client, keys, kinds)) {
    const key = keys.parse(first.key.toString('utf8'));
    if (!key) continue;
    let kv: IKeyValue | undefined = first;
    while (kv && envelopeKeyId(kv.value) !== codec.keyring.primaryId) {
      const value = codec.encode(key, codec.decode(key, kv.value, kv.mod_revision));
      const res = await client
        .if(kv.key, 'Mod', '==', kv.mod_revision)
        .then(client.put(kv.key).value(value))
        .commit();
      if (res.succeeded) {
        rewritten++;
        break;
      }
      kv = (await client.get(kv.key).exec()).kvs[0];
    }
  }
  return rewritten;
}

/** Ids of the keys the stored values of `kinds` are sealed with. */
export async function keyIdsInUse(
  client: Etcd3,
  keys: KeyLayout,
  kinds: readonly string[],
): Promise<string[]> {
  const ids = new Set<string>();
  for await (const kv of scanKinds(client, keys, kinds)) {
    const id = envelopeKeyId(kv.value);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
