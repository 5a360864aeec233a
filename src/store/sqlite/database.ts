// The SQLite file: schema, pragmas, and the few statements the store runs. Everything
// here is synchronous (node:sqlite's DatabaseSync); one JavaScript call never interleaves
// with another, and BEGIN IMMEDIATE keeps other processes out during a write.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { ObjectKey } from '../object-rules.ts';

/** A stored body: JSON text, or an encryption envelope (BLOB) for encrypted kinds. */
export type StoredBody = string | Uint8Array;

export interface ObjectRow {
  namespace: string;
  name: string;
  revision: number;
  body: StoredBody;
}

export interface LogRow {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  namespace: string;
  name: string;
  body: StoredBody;
  /** Only when an update changed labels: the state before, for selector transitions. */
  prevBody: StoredBody | null;
}

// The revision starts at 1, as etcd's does: a list of an empty store then reports "1",
// and a watch from there misses nothing, whereas "0" would mean "from now".
const schema = `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO store_meta (key, value) VALUES ('schema', 1), ('revision', 1), ('compacted', 0);
CREATE TABLE IF NOT EXISTS objects (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  body NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS objects_by_key ON objects (kind, namespace, name);
CREATE TABLE IF NOT EXISTS watch_log (
  revision INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  body NOT NULL,
  prev_body
);
`;

function asBody(value: unknown): StoredBody {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw new Error(`unexpected stored body of type ${typeof value}`);
}

function toLogRow(r: Record<string, unknown>): LogRow {
  return {
    revision: Number(r['revision']),
    type: r['type'] as LogRow['type'],
    kind: String(r['kind']),
    namespace: String(r['namespace']),
    name: String(r['name']),
    body: asBody(r['body']),
    prevBody: r['prev_body'] === null ? null : asBody(r['prev_body']),
  };
}

export interface ScanRange {
  namespace?: string;
  name?: string;
  /** Resume strictly after this (namespace, name). */
  after?: { namespace: string; name: string };
}

export class StoreDatabase {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string, busyTimeoutMs: number) {
    this.#db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    // WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode still
    // never corrupts the database and loses at most the last commits on power loss
    // (not on a process crash), which is the trade etcd-less Kubernetes distros make.
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL');
    this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    this.#db.exec(schema);
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /** Run `fn` in one write transaction: all of it commits, or none. */
  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err: unknown) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * A transaction that leaves no trace of what it overwrites: secure_delete zeroes the
   * old content, and the checkpoint moves the new pages out of the WAL. For resealing.
   */
  scrubbingTransaction<T>(fn: () => T): T {
    this.#db.exec('PRAGMA secure_delete = ON');
    try {
      return this.transaction(fn);
    } finally {
      this.#db.exec('PRAGMA secure_delete = OFF');
      this.checkpoint();
    }
  }

  meta(key: 'revision' | 'compacted'): number {
    const row = this.#stmt('SELECT value FROM store_meta WHERE key = ?').get(key);
    return Number(row?.['value'] ?? 0);
  }

  setMeta(key: 'revision' | 'compacted', value: number): void {
    this.#stmt('UPDATE store_meta SET value = ? WHERE key = ?').run(value, key);
  }

  getObject(key: ObjectKey): ObjectRow | undefined {
    const row = this.#stmt(
      'SELECT namespace, name, revision, body FROM objects WHERE kind = ? AND namespace = ? AND name = ?',
    ).get(key.kind, key.namespace, key.name);
    if (!row) return undefined;
    return {
      namespace: key.namespace,
      name: key.name,
      revision: Number(row['revision']),
      body: asBody(row['body']),
    };
  }

  putObject(key: ObjectKey, revision: number, body: StoredBody): void {
    this.#stmt(
      `INSERT INTO objects (kind, namespace, name, revision, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = excluded.revision, body = excluded.body`,
    ).run(key.kind, key.namespace, key.name, revision, body);
  }

  deleteObject(key: ObjectKey): void {
    this.#stmt('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?').run(
      key.kind,
      key.namespace,
      key.name,
    );
  }

  appendLog(row: LogRow): void {
    this.#stmt(
      'INSERT INTO watch_log (revision, type, kind, namespace, name, body, prev_body) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(row.revision, row.type, row.kind, row.namespace, row.name, row.body, row.prevBody);
  }

  /** Objects of `kind` in (namespace, name) order, lazily, within `range`. */
  *scanObjects(kind: string, range: ScanRange): Generator<ObjectRow> {
    const where = ['kind = ?'];
    const params: SQLInputValue[] = [kind];
    if (range.namespace !== undefined) {
      where.push('namespace = ?');
      params.push(range.namespace);
    }
    if (range.name !== undefined) {
      where.push('name = ?');
      params.push(range.name);
    }
    if (range.after) {
      where.push('(namespace, name) > (?, ?)');
      params.push(range.after.namespace, range.after.name);
    }
    const sql = `SELECT namespace, name, revision, body FROM objects WHERE ${where.join(' AND ')} ORDER BY namespace, name`;
    for (const r of this.#stmt(sql).iterate(...params)) {
      yield {
        namespace: String(r['namespace']),
        name: String(r['name']),
        revision: Number(r['revision']),
        body: asBody(r['body']),
      };
    }
  }

  /** Watch-log rows in (after, through] (of one kind, if given), oldest first, at most `limit`. */
  logPage(after: number, through: number, limit: number, kind?: string): LogRow[] {
    const rows =
      kind === undefined
        ? this.#stmt(
            'SELECT * FROM watch_log WHERE revision > ? AND revision <= ? ORDER BY revision LIMIT ?',
          ).all(after, through, limit)
        : this.#stmt(
            'SELECT * FROM watch_log WHERE revision > ? AND revision <= ? AND kind = ? ORDER BY revision LIMIT ?',
          ).all(after, through, kind, limit);
    return rows.map(toLogRow);
  }

  deleteLogThrough(revision: number): void {
    this.#stmt('DELETE FROM watch_log WHERE revision <= ?').run(revision);
  }

  /**
   * Rows holding an encrypted body, plus rows of `kinds` (those encrypted at rest) still
   * in plain text, e.g. written before their kind was marked encrypted.
   */
  sealableRows(kinds: readonly string[] = []): {
    objects: (ObjectRow & { id: number; kind: string })[];
    log: LogRow[];
  } {
    const inKinds = 'kind IN (SELECT value FROM json_each(?))';
    const objects = this.#stmt(
      `SELECT id, kind, namespace, name, revision, body FROM objects WHERE typeof(body) = 'blob' OR ${inKinds}`,
    )
      .all(JSON.stringify(kinds))
      .map((r) => ({
        id: Number(r['id']),
        kind: String(r['kind']),
        namespace: String(r['namespace']),
        name: String(r['name']),
        revision: Number(r['revision']),
        body: asBody(r['body']),
      }));
    const log = this.#stmt(
      `SELECT * FROM watch_log WHERE typeof(body) = 'blob' OR typeof(prev_body) = 'blob' OR ${inKinds}`,
    )
      .all(JSON.stringify(kinds))
      .map(toLogRow);
    return { objects, log };
  }

  hasEncryptedRows(): boolean {
    return (
      this.#stmt("SELECT 1 FROM objects WHERE typeof(body) = 'blob' LIMIT 1").get() !== undefined
    );
  }

  setObjectBody(id: number, body: StoredBody): void {
    this.#stmt('UPDATE objects SET body = ? WHERE id = ?').run(body, id);
  }

  setLogBodies(revision: number, body: StoredBody, prevBody: StoredBody | null): void {
    this.#stmt('UPDATE watch_log SET body = ?, prev_body = ? WHERE revision = ?').run(
      body,
      prevBody,
      revision,
    );
  }

  /** Copy the WAL into the main file and truncate it (backups, tests of the raw files). */
  checkpoint(): void {
    this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
