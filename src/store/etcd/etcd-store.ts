// The HA store: the Store contract on etcd (docs/adr/0008-etcd-key-layout.md). Objects
// are JSON (Secrets: encryption envelopes) under one key each; resourceVersion is the
// key's mod revision, so the whole store shares etcd's single revision. Every write is
// read → decide (../object-rules.ts, shared with SQLite) → one etcd transaction that
// compares the key's mod revision with what was read, so replicas never overwrite each
// other: a lost race is decided again on fresh data, and a stale resourceVersion from
// the caller becomes Conflict. Nothing is cached between calls.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import {
  alreadyExists,
  badRequest,
  conflict,
  gone,
  notFound,
  tooLargeResourceVersion,
} from '../../api/errors.ts';
import type { KindDefinition } from '../../api/kind.ts';
import type { AnyResource } from '../../api/meta.ts';
import { kinds as allKinds } from '../../api/registry.ts';
import {
  encryptionKeysFileName,
  hasEncryptionKeys,
  loadEncryptionKeys,
  type Keyring,
} from '../encryption.ts';
import {
  dryRunResult,
  formatTimestamp,
  identity,
  kindResolver,
  objectKey,
  prepareCreate,
  prepareDelete,
  prepareUpdate,
  prepareUpdateStatus,
  storeClosed,
  type ObjectKey,
  type WritePlan,
} from '../object-rules.ts';
import type {
  DeleteOptions,
  ListPageOptions,
  ListResult,
  Store,
  UpdateOptions,
  Watch,
  WatchOptions,
} from '../types.ts';
import type { IntervalTimers, WatchStream } from '../watch-stream.ts';
import { ValueCodec } from './codec.ts';
import { clientOptions, holdsEnvelopes, type EtcdConnection } from './client.ts';
import { guarded } from './errors.ts';
import { KeyLayout } from './keys.ts';
import { listObjects } from './list.ts';
import { keyIdsInUse, reencryptObjects } from './reencrypt.ts';
import { compactTo, readRevisions } from './revisions.ts';
import { openEtcdWatch, parseRevision } from './watch.ts';

export interface EtcdStoreOptions extends EtcdConnection {
  /**
   * Directory holding encryption-keys.json, created (0700) if missing, as for the
   * SQLite store. Every replica must hold the same file.
   */
  dataDir: string;
  /** Where this store's keys live in etcd; '/slipway/' unless told. */
  keyPrefix?: string;
  /** Kinds the store accepts; defaults to every kind Slipway serves. */
  kinds?: readonly KindDefinition[];
  /** Source of creation and deletion timestamps. */
  clock?: () => Date;
  /** How often a write that keeps losing races to other writers is tried before Conflict. */
  maxWriteAttempts?: number;
  /** Live events buffered for one watcher that does not read, before its watch ends. */
  watchBufferLimit?: number;
  /** Timers for watch bookmarks. */
  timers?: IntervalTimers;
}

/**
 * Connect to etcd and open the store, e.g.
 * `openEtcdStore({ endpoints: ['http://127.0.0.1:2379'], dataDir: '.data' })`.
 */
export async function openEtcdStore(opts: EtcdStoreOptions): Promise<EtcdStore> {
  const options = clientOptions(opts);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const keys = new KeyLayout(opts.keyPrefix);
  const client = new Etcd3(options);
  try {
    // A fresh key would silently make every stored secret unreadable; refuse instead.
    const kinds = opts.kinds ?? allKinds;
    const missing = !(await hasEncryptionKeys(opts.dataDir));
    if (missing && (await guarded('reading', () => holdsEnvelopes(client, keys, kinds)))) {
      const file = join(opts.dataDir, encryptionKeysFileName);
      throw new Error(`${file} is missing but etcd holds encrypted objects; restore it`);
    }
    return new EtcdStore(client, keys, await loadEncryptionKeys(opts.dataDir), opts);
  } catch (err: unknown) {
    client.close();
    throw err;
  }
}

export class EtcdStore implements Store {
  readonly #client: Etcd3;
  readonly #keys: KeyLayout;
  readonly #codec: ValueCodec;
  readonly #resolve: (kind: string) => KindDefinition;
  readonly #clock: () => Date;
  readonly #maxWriteAttempts: number;
  readonly #watchBufferLimit: number;
  readonly #timers: IntervalTimers | undefined;
  readonly #dataDir: string;
  readonly #watches = new Set<WatchStream<AnyResource>>();
  #closed = false;

  /** Use openEtcdStore. */
  constructor(client: Etcd3, keys: KeyLayout, keyring: Keyring, opts: EtcdStoreOptions) {
    const kinds = opts.kinds ?? allKinds;
    this.#client = client;
    this.#keys = keys;
    this.#dataDir = opts.dataDir;
    this.#codec = new ValueCodec(
      keyring,
      kinds.filter((k) => k.encryptedAtRest).map((k) => k.kind),
    );
    this.#resolve = kindResolver(kinds);
    this.#clock = opts.clock ?? (() => new Date());
    this.#maxWriteAttempts = opts.maxWriteAttempts ?? 100;
    this.#watchBufferLimit = opts.watchBufferLimit ?? 10_000;
    this.#timers = opts.timers;
  }

  /** The etcd key prefix of this store. */
  get keyPrefix(): string {
    return this.#keys.prefix;
  }

  #open(): Etcd3 {
    if (this.#closed) throw storeClosed();
    return this.#client;
  }

  #keyOf(kind: string, namespace: string | undefined, name: string): ObjectKey {
    const def = this.#resolve(kind);
    if (def.namespaced && !namespace) {
      throw badRequest(`a namespace is required for ${kind} "${name}"`);
    }
    return objectKey(def, namespace, name);
  }

  async #read(key: ObjectKey): Promise<AnyResource | undefined> {
    const { kvs } = await this.#open().get(this.#keys.objectKey(key)).exec();
    const kv = kvs[0];
    return kv ? this.#codec.decode(key, kv.value, kv.mod_revision) : undefined;
  }

  /**
   * Carry out `decide`'s plan in one etcd transaction guarded by the key's mod revision
   * (or its absence). When another writer got there first, decide again on what it wrote.
   */
  async #write(
    key: ObjectKey,
    decide: (existing: AnyResource | undefined) => WritePlan,
    dryRun = false,
  ): Promise<AnyResource> {
    const etcdKey = this.#keys.objectKey(key);
    for (let attempt = 1; ; attempt++) {
      const client = this.#open();
      const { kvs } = await client.get(etcdKey).exec();
      const kv = kvs[0];
      const existing = kv ? this.#codec.decode(key, kv.value, kv.mod_revision) : undefined;
      const plan = decide(existing);
      if (dryRun) return dryRunResult(existing, plan);
      if (plan.action === 'noop') return plan.object;
      const change =
        plan.action === 'remove'
          ? client.delete().key(etcdKey)
          : client.put(etcdKey).value(this.#codec.encode(key, plan.object));
      const unchanged = kv
        ? client.if(etcdKey, 'Mod', '==', kv.mod_revision)
        : client.if(etcdKey, 'Create', '==', 0);
      const result = await unchanged.then(change).commit();
      if (result.succeeded) {
        const metadata = { ...plan.object.metadata, resourceVersion: result.header.revision };
        return { ...plan.object, metadata };
      }
      if (attempt >= this.#maxWriteAttempts) {
        throw conflict(
          key.kind,
          key.name,
          `other writers changed it ${attempt} times while this write was decided; try again`,
        );
      }
    }
  }

  create<T extends AnyResource>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    return guarded('create', async () => {
      const def = this.#resolve(identity(obj).kind);
      const { key, object } = prepareCreate(def, obj, formatTimestamp(this.#clock()));
      const plan = (existing: AnyResource | undefined): WritePlan => {
        // Our own uid: the client retried a transaction that had committed but whose
        // answer was lost (a member died mid-request). The create did happen.
        if (existing) {
          if (existing.metadata.uid === object.metadata.uid)
            return { action: 'noop', object: existing };
          throw alreadyExists(key.kind, key.name);
        }
        return { action: 'write', object };
      };
      return (await this.#write(key, plan, opts.dryRun)) as T;
    });
  }

  get<T extends AnyResource>(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    return guarded('get', async () => {
      const found = await this.#read(this.#keyOf(kind, namespace, name));
      if (!found) throw notFound(kind, name);
      return found as T;
    });
  }

  list<T extends AnyResource>(kind: string, opts: ListPageOptions = {}): Promise<ListResult<T>> {
    return guarded('list', async () => {
      const context = { client: this.#open(), keys: this.#keys, codec: this.#codec };
      return listObjects<T>(context, this.#resolve(kind), opts);
    });
  }

  update<T extends AnyResource>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    return guarded('update', async () => {
      const { kind, namespace, name } = identity(obj);
      const plan = (existing: AnyResource | undefined) => {
        if (!existing) throw notFound(kind, name);
        return prepareUpdate(existing, obj);
      };
      return (await this.#write(this.#keyOf(kind, namespace, name), plan, opts.dryRun)) as T;
    });
  }

  updateStatus<T extends AnyResource>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    return guarded('updateStatus', async () => {
      const { kind, namespace, name } = identity(obj);
      const def = this.#resolve(kind);
      const plan = (existing: AnyResource | undefined) => {
        if (!existing) throw notFound(kind, name);
        return prepareUpdateStatus(def, existing, obj);
      };
      return (await this.#write(this.#keyOf(kind, namespace, name), plan, opts.dryRun)) as T;
    });
  }

  delete<T extends AnyResource>(
    kind: string,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions & UpdateOptions = {},
  ): Promise<T> {
    return guarded('delete', async () => {
      const now = formatTimestamp(this.#clock());
      const plan = (existing: AnyResource | undefined) => {
        if (!existing) throw notFound(kind, name);
        return prepareDelete(existing, opts, now);
      };
      return (await this.#write(this.#keyOf(kind, namespace, name), plan, opts.dryRun)) as T;
    });
  }

  watch<T extends AnyResource>(opts: WatchOptions): Promise<Watch<T>> {
    return guarded('watch', async () => {
      const def = opts.kind ? this.#resolve(opts.kind) : undefined;
      // As list does: a namespace means nothing to a cluster-scoped kind.
      const { namespace: _ignored, ...clusterWide } = opts;
      const effective: WatchOptions = def && !def.namespaced ? clusterWide : opts;
      const from = parseRevision(opts.resourceVersion, 'resourceVersion');
      const { current, compacted } = await readRevisions(this.#open(), this.#keys);
      if (from !== undefined && from < compacted) {
        throw gone(`too old resource version: ${from} (${compacted})`);
      }
      // Watching from the future would silently skip every change up to it.
      if (from !== undefined && from > current) throw tooLargeResourceVersion(from, current);
      const prefix = this.#keys.scanPrefix(def?.kind, def ? effective.namespace : undefined);
      const context = {
        client: this.#open(),
        keys: this.#keys,
        codec: this.#codec,
        bufferLimit: this.#watchBufferLimit,
        ...(this.#timers ? { timers: this.#timers } : {}),
      };
      const stream = openEtcdWatch<T>(context, effective, { after: from ?? current, prefix }, (s) =>
        this.#watches.delete(s),
      );
      this.#watches.add(stream);
      return stream;
    });
  }

  currentRevision(): Promise<string> {
    return guarded('reading the revision', async () =>
      String((await readRevisions(this.#open(), this.#keys)).current),
    );
  }

  /** Forget history through `revision` on every replica (see compactTo). */
  compact(revision: string): Promise<void> {
    return guarded('compact', async () => {
      const target = parseRevision(revision, 'compaction revision') ?? 0;
      await compactTo(this.#open(), this.#keys, target, this.#maxWriteAttempts);
    });
  }

  /**
   * Reload encryption-keys.json and reseal every stored object of an encrypted kind not
   * under the primary key, plain-text ones included. Each becomes a write (new
   * resourceVersion); compact past it before pruning old keys, or etcd's history still
   * holds the old envelopes.
   */
  reencryptAll(): Promise<number> {
    return guarded('re-encrypting', async () => {
      const client = this.#open();
      this.#codec.keyring = await loadEncryptionKeys(this.#dataDir);
      return reencryptObjects(client, this.#keys, this.#codec, this.#codec.encryptedKinds);
    });
  }

  /** Ids of the keys stored objects are sealed with (prune only when just the primary). */
  encryptionKeysInUse(): Promise<string[]> {
    return guarded('reading', () =>
      keyIdsInUse(this.#open(), this.#keys, this.#codec.encryptedKinds),
    );
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const w of [...this.#watches]) w.close();
      this.#client.close();
    }
    return Promise.resolve();
  }
}
