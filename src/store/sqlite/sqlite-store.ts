// The embedded store: node:sqlite in WAL mode under DATA_DIR/store.db. Every write bumps
// the global revision, writes the object and appends a watch-log row in one
// BEGIN IMMEDIATE transaction; watchers are fed from the log (history) and in process
// right after commit (live). Semantics live in ../object-rules.ts, shared with etcd.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, badRequest, notFound } from '../../api/errors.ts';
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
import type { ChangeRecord } from '../watch-filter.ts';
import type { IntervalTimers } from '../watch-stream.ts';
import { BodyCodec } from './codec.ts';
import { StoreDatabase } from './database.ts';
import { listObjects } from './list.ts';
import { keyIdsInUse, reencryptRows } from './reencrypt.ts';
import { parseRevision, WatchHub } from './watch-hub.ts';

export interface SqliteStoreOptions {
  /** Directory holding store.db and encryption-keys.json; created (0700) if missing. */
  dataDir: string;
  /** Kinds the store accepts; defaults to every kind Slipway serves. */
  kinds?: readonly KindDefinition[];
  /** Source of creation and deletion timestamps. */
  clock?: () => Date;
  /** How long a write waits for another process holding the write lock (ms). */
  busyTimeoutMs?: number;
  /** Live events buffered for one watcher that does not read, before its watch ends. */
  watchBufferLimit?: number;
  /** Timers for watch bookmarks. */
  timers?: IntervalTimers;
}

/** Open (or create) the store in `opts.dataDir`, e.g. `openSqliteStore({ dataDir: '.data' })`. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const db = new StoreDatabase(join(opts.dataDir, 'store.db'), opts.busyTimeoutMs ?? 5000);
  try {
    // A fresh key would silently make every stored secret unreadable; refuse instead.
    if (!(await hasEncryptionKeys(opts.dataDir)) && db.hasEncryptedRows()) {
      const file = join(opts.dataDir, encryptionKeysFileName);
      throw new Error(`${file} is missing but store.db holds encrypted objects; restore it`);
    }
    return new SqliteStore(db, await loadEncryptionKeys(opts.dataDir), opts);
  } catch (err: unknown) {
    db.close();
    throw err;
  }
}

/** Run `fn` now; its result or throw becomes a promise (the store's work is synchronous). */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err: unknown) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export class SqliteStore implements Store {
  readonly #db: StoreDatabase;
  readonly #codec: BodyCodec;
  readonly #dataDir: string;
  readonly #resolve: (kind: string) => KindDefinition;
  readonly #clock: () => Date;
  readonly #hub: WatchHub;
  #closed = false;

  /** Use openSqliteStore. */
  constructor(db: StoreDatabase, keyring: Keyring, opts: SqliteStoreOptions) {
    const kinds = opts.kinds ?? allKinds;
    this.#db = db;
    this.#dataDir = opts.dataDir;
    const encrypted = kinds.filter((k) => k.encryptedAtRest).map((k) => k.kind);
    this.#codec = new BodyCodec(keyring, encrypted);
    this.#resolve = kindResolver(kinds);
    this.#clock = opts.clock ?? (() => new Date());
    this.#hub = new WatchHub({
      bufferLimit: opts.watchBufferLimit ?? 10_000,
      ...(opts.timers ? { timers: opts.timers } : {}),
    });
  }

  #open(): StoreDatabase {
    if (this.#closed) throw storeClosed();
    return this.#db;
  }

  #read(key: ObjectKey): { object: AnyResource; json: string } | undefined {
    const row = this.#open().getObject(key);
    if (!row) return undefined;
    const json = this.#codec.decode(key, row.body);
    return { object: JSON.parse(json) as AnyResource, json };
  }

  #keyOf(kind: string, namespace: string | undefined, name: string): ObjectKey {
    const def = this.#resolve(kind);
    if (def.namespaced && !namespace) {
      throw badRequest(`a namespace is required for ${kind} "${name}"`);
    }
    return objectKey(def, namespace, name);
  }

  /** Carry out `decide`'s plan for one object in one transaction; publish after commit. */
  #write(
    key: ObjectKey,
    decide: (existing: AnyResource | undefined) => WritePlan,
    dryRun = false,
  ): AnyResource {
    const db = this.#open();
    if (dryRun) {
      const existing = this.#read(key)?.object;
      return dryRunResult(existing, decide(existing));
    }
    let change: ChangeRecord | undefined;
    const result = db.transaction(() => {
      const existing = this.#read(key);
      const plan = decide(existing?.object);
      if (plan.action === 'noop') return plan.object;
      const revision = db.meta('revision') + 1;
      const metadata = { ...plan.object.metadata, resourceVersion: String(revision) };
      const object = { ...plan.object, metadata };
      const json = JSON.stringify(object);
      const body = this.#codec.encode(key, json);
      if (plan.action === 'remove') db.deleteObject(key);
      else db.putObject(key, revision, body);
      const type = plan.action === 'remove' ? 'DELETED' : existing ? 'MODIFIED' : 'ADDED';
      // The state before is logged only when labels changed: that is all selector
      // transitions (ADDED/DELETED for a label-filtered watcher) need.
      const prevLabels = existing?.object.metadata.labels;
      const relabeled =
        type === 'MODIFIED' && JSON.stringify(metadata.labels) !== JSON.stringify(prevLabels);
      const prev = relabeled && existing ? { labels: prevLabels, json: existing.json } : undefined;
      const prevBody = prev ? this.#codec.encode(key, prev.json) : null;
      db.appendLog({ revision, type, ...key, body, prevBody });
      db.setMeta('revision', revision);
      change = { revision, type, ...key, labels: metadata.labels, json, ...(prev ? { prev } : {}) };
      return object;
    });
    if (change) this.#hub.publish(change);
    return result;
  }

  create<T extends AnyResource>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    return attempt(() => {
      const def = this.#resolve(identity(obj).kind);
      const { key, object } = prepareCreate(def, obj, formatTimestamp(this.#clock()));
      const plan = (existing: AnyResource | undefined): WritePlan => {
        if (existing) throw alreadyExists(key.kind, key.name);
        return { action: 'write', object };
      };
      return this.#write(key, plan, opts.dryRun) as T;
    });
  }

  get<T extends AnyResource>(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    return attempt(() => {
      const found = this.#read(this.#keyOf(kind, namespace, name));
      if (!found) throw notFound(kind, name);
      return found.object as T;
    });
  }

  list<T extends AnyResource>(kind: string, opts: ListPageOptions = {}): Promise<ListResult<T>> {
    return attempt(() => listObjects<T>(this.#open(), this.#codec, this.#resolve(kind), opts));
  }

  update<T extends AnyResource>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    return attempt(() => {
      const { kind, namespace, name } = identity(obj);
      const plan = (existing: AnyResource | undefined) => {
        if (!existing) throw notFound(kind, name);
        return prepareUpdate(existing, obj);
      };
      return this.#write(this.#keyOf(kind, namespace, name), plan, opts.dryRun) as T;
    });
  }

  updateStatus<T extends AnyResource>(obj: T, opts: UpdateOptions = {}): Promise<T> {
    return attempt(() => {
      const { kind, namespace, name } = identity(obj);
      const def = this.#resolve(kind);
      const plan = (existing: AnyResource | undefined) => {
        if (!existing) throw notFound(kind, name);
        return prepareUpdateStatus(def, existing, obj);
      };
      return this.#write(this.#keyOf(kind, namespace, name), plan, opts.dryRun) as T;
    });
  }

  delete<T extends AnyResource>(
    kind: string,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions & UpdateOptions = {},
  ): Promise<T> {
    return attempt(() => {
      const now = formatTimestamp(this.#clock());
      const plan = (existing: AnyResource | undefined) => {
        if (!existing) throw notFound(kind, name);
        return prepareDelete(existing, opts, now);
      };
      return this.#write(this.#keyOf(kind, namespace, name), plan, opts.dryRun) as T;
    });
  }

  watch<T extends AnyResource>(opts: WatchOptions): Promise<Watch<T>> {
    return attempt(() => {
      const def = opts.kind ? this.#resolve(opts.kind) : undefined;
      // As list does: a namespace means nothing to a cluster-scoped kind.
      const { namespace: _ignored, ...clusterWide } = opts;
      const effective = def && !def.namespaced ? clusterWide : opts;
      return this.#hub.open<T>(this.#open(), this.#codec, effective);
    });
  }

  currentRevision(): Promise<string> {
    return attempt(() => String(this.#open().meta('revision')));
  }

  compact(revision: string): Promise<void> {
    return attempt(() => {
      const db = this.#open();
      const target = parseRevision(revision, 'compaction revision') ?? 0;
      db.transaction(() => {
        const current = db.meta('revision');
        if (target > current) {
          throw badRequest(`cannot compact to ${target}: the store is at revision ${current}`);
        }
        if (target <= db.meta('compacted')) return;
        db.deleteLogThrough(target);
        db.setMeta('compacted', target);
      });
    });
  }

  /**
   * Reload encryption-keys.json and reseal every row of an encrypted kind (objects and
   * watch log) not under the primary key, plain-text ones included. Revisions stay.
   */
  async reencryptAll(): Promise<number> {
    const keyring = await loadEncryptionKeys(this.#dataDir);
    const db = this.#open();
    this.#codec.keyring = keyring;
    return reencryptRows(db, this.#codec, keyring, this.#codec.encryptedKinds);
  }

  /** Ids of the keys encrypted rows are sealed with (prune only when just the primary). */
  encryptionKeysInUse(): Promise<string[]> {
    return attempt(() => keyIdsInUse(this.#open()));
  }

  /** Fold the write-ahead log into store.db (before a file-level backup). */
  checkpoint(): Promise<void> {
    return attempt(() => this.#open().checkpoint());
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#hub.closeAll();
      this.#db.close();
    }
    return Promise.resolve();
  }
}
