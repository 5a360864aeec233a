// Stored bodies: plain JSON for most kinds, an AES-GCM envelope for kinds encrypted at
// rest. The same encoding is used for object rows and watch-log rows, so secrets never
// reach the file in plain text through either.
import type { ObjectKey } from '../object-rules.ts';
import { describeObjectKey, envelopeAad, type Keyring } from '../encryption.ts';
import type { AnyResource } from '../../api/meta.ts';
import type { ChangeRecord } from '../watch-filter.ts';
import type { LogRow, StoredBody } from './database.ts';

export class BodyCodec {
  keyring: Keyring;
  readonly encryptedKinds: readonly string[];
  readonly #encrypted: ReadonlySet<string>;

  constructor(keyring: Keyring, encryptedKinds: readonly string[]) {
    this.keyring = keyring;
    this.encryptedKinds = encryptedKinds;
    this.#encrypted = new Set(encryptedKinds);
  }

  encode(key: ObjectKey, json: string): StoredBody {
    return this.#encrypted.has(key.kind) ? this.keyring.encrypt(json, envelopeAad(key)) : json;
  }

  /** JSON of a stored body; envelopes are recognised by type, whatever the kind says. */
  decode(key: ObjectKey, body: StoredBody): string {
    return typeof body === 'string'
      ? body
      : this.keyring.decrypt(body, envelopeAad(key), describeObjectKey(key));
  }
}

/** A watch-log row as the change watchers are offered. */
export function changeOf(codec: BodyCodec, row: LogRow): ChangeRecord {
  const key = { kind: row.kind, namespace: row.namespace, name: row.name };
  const json = codec.decode(key, row.body);
  const labelsOf = (text: string) => (JSON.parse(text) as AnyResource).metadata.labels;
  const change: ChangeRecord = {
    revision: row.revision,
    type: row.type,
    ...key,
    labels: labelsOf(json),
    json,
  };
  if (row.prevBody !== null) {
    const prevJson = codec.decode(key, row.prevBody);
    change.prev = { labels: labelsOf(prevJson), json: prevJson };
  }
  return change;
}
