// Values in etcd: the object as JSON (UTF-8) without its resourceVersion, which is the
// key's mod revision, or for kinds encrypted at rest the same AES-GCM envelope the
// SQLite store writes, with the same additional data, so an envelope can move between
// backends (migration) and still open.
import type { AnyResource } from '../../api/meta.ts';
import { describeObjectKey, envelopeAad, envelopeKeyId, type Keyring } from '../encryption.ts';
import type { ObjectKey } from '../object-rules.ts';

export class ValueCodec {
  /** Replaced when the store reloads its keys (rotation). */
  keyring: Keyring;
  readonly encryptedKinds: readonly string[];
  readonly #encrypted: ReadonlySet<string>;

  constructor(keyring: Keyring, encryptedKinds: readonly string[]) {
    this.keyring = keyring;
    this.encryptedKinds = encryptedKinds;
    this.#encrypted = new Set(encryptedKinds);
  }

  /** The bytes stored for `object` (its resourceVersion left out). */
  encode(key: ObjectKey, object: AnyResource): Buffer {
    const { resourceVersion: _rv, ...metadata } = object.metadata;
    const json = JSON.stringify({ ...object, metadata });
    if (!this.#encrypted.has(key.kind)) return Buffer.from(json, 'utf8');
    return Buffer.from(this.keyring.encrypt(json, envelopeAad(key)));
  }

  /** The object stored in `value`, at `revision`. Envelopes are recognised by their magic. */
  decode(key: ObjectKey, value: Buffer, revision: string): AnyResource {
    const json =
      envelopeKeyId(value) === undefined
        ? value.toString('utf8')
        : this.keyring.decrypt(value, envelopeAad(key), describeObjectKey(key));
    const object = JSON.parse(json) as AnyResource;
    object.metadata.resourceVersion = revision;
    return object;
  }
}
