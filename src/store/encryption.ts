// Encryption at rest for kinds marked `encryptedAtRest` (Secret): AES-256-GCM with a
// random 12-byte IV per write, the key id in the envelope and kind/namespace/name bound
// as additional data, so a ciphertext copied onto another row fails to decrypt.
//
// Keys live in DATA_DIR/encryption-keys.json (mode 0600), created on first start. The
// first key encrypts; every key decrypts. Rotation, as in kube-apiserver's
// EncryptionConfiguration: rotateEncryptionKey (new primary) → restart or
// store.reencryptAll() (rewrites every row under the primary) → pruneEncryptionKeys.
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError, StatusReason } from '../api/errors.ts';
import type { ObjectKey } from './object-rules.ts';

export const encryptionKeysFileName = 'encryption-keys.json';

const magic = Buffer.from('SWE1'); // Slipway envelope, version 1
const ivLength = 12;
const tagLength = 16;
const keyLength = 32;

interface KeyFileEntry {
  id: string;
  /** 32 random bytes, base64. */
  secret: string;
  created: string;
}

interface KeyFile {
  keys: KeyFileEntry[];
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

function decryptError(what: string, why: string): SlipwayError {
  return new SlipwayError(StatusReason.InternalError, `cannot decrypt ${what}: ${why}`);
}

/** The keys of one data directory; the first is the primary (encrypting) key. */
export class Keyring {
  readonly keys: readonly EncryptionKey[];
  // KeyObjects made once: building one per call from raw bytes costs more than the AES.
  readonly #byId: Map<string, KeyObject>;
  #ivPool = Buffer.alloc(0);
  #ivOffset = 0;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('an encryption keyring needs at least one key');
    this.keys = keys;
    this.#byId = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
  }

  /** A fresh random IV, drawn from a pool refilled from the CSPRNG (like randomUUID's). */
  #nextIv(): Buffer {
    if (this.#ivOffset + ivLength > this.#ivPool.length) {
      this.#ivPool = randomBytes(ivLength * 256);
      this.#ivOffset = 0;
    }
    return this.#ivPool.subarray(this.#ivOffset, (this.#ivOffset += ivLength));
  }

  get primaryId(): string {
    return this.keys[0]?.id ?? '';
  }

  /** Seal `plaintext`, binding `aad` (which must be given again to open it). */
  encrypt(plaintext: string, aad: string): Uint8Array {
    const id = this.primaryId;
    const key = this.#byId.get(id);
    if (!key) throw new Error('no encryption key');
    const iv = this.#nextIv();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const idBytes = Buffer.from(id);
    return Buffer.concat([
      magic,
      Buffer.of(idBytes.length),
      idBytes,
      iv,
      cipher.getAuthTag(),
      ciphertext,
    ]);
  }

  /** Open an envelope made by encrypt. `what` names the row in error messages. */
  decrypt(envelope: Uint8Array, aad: string, what: string): string {
    const buf = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
    const id = envelopeKeyId(buf);
    if (id === undefined) throw decryptError(what, 'not a Slipway encryption envelope');
    const key = this.#byId.get(id);
    if (!key) {
      throw decryptError(
        what,
        `it was encrypted with key "${id}", which is not in ${encryptionKeysFileName} (restore the key, or re-encrypt before pruning old keys)`,
      );
    }
    let offset = magic.length + 1 + id.length;
    const iv = buf.subarray(offset, (offset += ivLength));
    const tag = buf.subarray(offset, (offset += tagLength));
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(buf.subarray(offset)), decipher.final()]).toString(
        'utf8',
      );
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      throw decryptError(what, `authentication failed with key "${id}" (${why})`);
    }
  }
}

/**
 * Additional data binding a ciphertext to its object: kind, namespace and name. Every
 * backend uses this one, so an envelope opens wherever the object is moved (migration).
 */
export function envelopeAad(key: ObjectKey): string {
  return `${key.kind}\u0000${key.namespace}\u0000${key.name}`;
}

/** How an object is named in decryption errors. */
export function describeObjectKey(key: ObjectKey): string {
  return `${key.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
}

/** The id of the key that sealed `envelope`, or undefined when it is no envelope. */
export function envelopeKeyId(envelope: Uint8Array): string | undefined {
  const buf = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  if (buf.length < magic.length + 1 || !buf.subarray(0, magic.length).equals(magic))
    return undefined;
  const idLength = buf[magic.length] ?? 0;
  if (buf.length < magic.length + 1 + idLength + ivLength + tagLength) return undefined;
  return buf.subarray(magic.length + 1, magic.length + 1 + idLength).toString('utf8');
}

function newKeyEntry(): KeyFileEntry {
  return {
    id: randomBytes(4).toString('hex'),
    secret: randomBytes(keyLength).toString('base64'),
    created: new Date().toISOString(),
  };
}

function keysPath(dataDir: string): string {
  return join(dataDir, encryptionKeysFileName);
}

async function readKeyFile(dataDir: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(keysPath(dataDir), 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<KeyFile>;
  const keys = Array.isArray(parsed.keys) ? parsed.keys : [];
  for (const k of keys) {
    if (typeof k.id !== 'string' || Buffer.from(String(k.secret), 'base64').length !== keyLength) {
      throw new Error(
        `${keysPath(dataDir)}: every key needs an id and a base64 secret of ${keyLength} bytes`,
      );
    }
  }
  if (keys.length === 0) throw new Error(`${keysPath(dataDir)} holds no keys`);
  return { keys };
}

/** Write atomically (temp file + rename) and owner-only, whatever the umask. */
async function writeKeyFile(dataDir: string, file: KeyFile): Promise<void> {
  const path = keysPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flush: true });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

function toKeyring(file: KeyFile): Keyring {
  return new Keyring(file.keys.map((k) => ({ id: k.id, key: Buffer.from(k.secret, 'base64') })));
}

/** Whether the data directory has a key file yet. */
export async function hasEncryptionKeys(dataDir: string): Promise<boolean> {
  return (await readKeyFile(dataDir)) !== undefined;
}

/** Load the keys of `dataDir`, creating the file with one fresh key on first start. */
export async function loadEncryptionKeys(dataDir: string): Promise<Keyring> {
  const existing = await readKeyFile(dataDir);
  if (existing) return toKeyring(existing);
  const file = { keys: [newKeyEntry()] };
  await writeKeyFile(dataDir, file);
  return toKeyring(file);
}

/**
 * Add a new primary key; older keys stay for decryption. New writes use the new key
 * once the store reloads its keys (restart, or `reencryptAll()` on a running store).
 * Returns the new key's id.
 */
export async function rotateEncryptionKey(dataDir: string): Promise<string> {
  const file = (await readKeyFile(dataDir)) ?? { keys: [] };
  const entry = newKeyEntry();
  await writeKeyFile(dataDir, { keys: [entry, ...file.keys] });
  return entry.id;
}

/**
 * Drop every key but the primary. Run only after every row was re-encrypted under the
 * primary (`reencryptAll()`); rows still sealed with a dropped key become unreadable.
 * Returns the ids removed.
 */
export async function pruneEncryptionKeys(dataDir: string): Promise<string[]> {
  const file = await readKeyFile(dataDir);
  if (!file) return [];
  const [primary, ...old] = file.keys;
  if (!primary || old.length === 0) return [];
  await writeKeyFile(dataDir, { keys: [primary] });
  return old.map((k) => k.id);
}
