// The audit log in its own SQLite file, DATA/audit.db (node:sqlite, WAL). Requests only
// queue entries; a timer writes them in one transaction per batch, so a slow disk or a
// locked file never delays or fails a request. The table is append-only (a trigger
// refuses updates); only the retention sweep deletes, by age.
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type SQLOutputValue } from 'node:sqlite';
import {
  InvalidContinueToken,
  defaultAuditPageSize,
  maxAuditPageSize,
  type AuditEvent,
  type AuditLog,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditResult,
} from './types.ts';

export const auditDatabaseFile = 'audit.db';

const dayMs = 24 * 60 * 60 * 1000;

export interface SqliteAuditLogOptions {
  /** Directory of audit.db (created 0700 if missing). */
  dataDir: string;
  /** Entries older than this are deleted by the sweep; default 90 days. */
  retentionMs?: number;
  /** How often the retention sweep runs; default daily (and once at open). */
  sweepIntervalMs?: number;
  /** Longest an entry waits in the queue; default 100 ms. */
  flushIntervalMs?: number;
  /** A queue this long is written at once; default 200. */
  batchSize?: number;
  /** Entries kept while the file cannot be written; the oldest are dropped beyond. Default 10,000. */
  maxQueued?: number;
  /** Source of "now" for retention. */
  clock?: () => Date;
  /** Told about write failures and dropped entries (the log itself never throws at callers). */
  onError?: (err: unknown, context: string) => void;
}

const schema = `
CREATE TABLE IF NOT EXISTS audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  user TEXT NOT NULL,
  groups TEXT,
  verb TEXT NOT NULL,
  api_group TEXT,
  resource TEXT,
  subresource TEXT,
  namespace TEXT,
  name TEXT,
  path TEXT NOT NULL,
  source_ip TEXT,
  user_agent TEXT,
  code INTEGER NOT NULL,
  result TEXT NOT NULL,
  message TEXT,
  dry_run INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS audit_events_by_time ON audit_events (time_ms, id);
CREATE INDEX IF NOT EXISTS audit_events_by_user ON audit_events (user, time_ms, id);
CREATE TRIGGER IF NOT EXISTS audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
`;

const insertSql = `INSERT INTO audit_events
  (time_ms, user, groups, verb, api_group, resource, subresource, namespace, name, path,
   source_ip, user_agent, code, result, message, dry_run)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Open (or create) `dataDir/audit.db`, e.g. `await openSqliteAuditLog({ dataDir: '.data' })`. */
export async function openSqliteAuditLog(opts: SqliteAuditLogOptions): Promise<SqliteAuditLog> {
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const path = join(opts.dataDir, auditDatabaseFile);
  // Created 0600 before SQLite opens it; the -wal and -shm files take the same mode.
  closeSync(openSync(path, 'a', 0o600));
  return new SqliteAuditLog(new DatabaseSync(path), opts);
}

function optional(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function encodeContinue(timeMs: number, id: number): string {
  return Buffer.from(`${timeMs}.${id}`, 'utf8').toString('base64url');
}

function decodeContinue(token: string): { timeMs: number; id: number } {
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new InvalidContinueToken();
  return { timeMs: Number(match[1]), id: Number(match[2]) };
}

function toEvent(row: Record<string, SQLOutputValue>): AuditEvent {
  const text = (column: string): string | undefined => {
    const value = row[column];
    return typeof value === 'string' ? value : undefined;
  };
  const event: AuditEvent = {
    id: String(Number(row['id'])),
    time: new Date(Number(row['time_ms'])).toISOString(),
    user: text('user') ?? '',
    verb: text('verb') ?? '',
    path: text('path') ?? '',
    code: Number(row['code']),
    result: text('result') as AuditResult,
  };
  const groups = text('groups');
  if (groups !== undefined) event.groups = JSON.parse(groups) as string[];
  const fields = [
    ['apiGroup', 'api_group'],
    ['resource', 'resource'],
    ['subresource', 'subresource'],
    ['namespace', 'namespace'],
    ['name', 'name'],
    ['sourceIP', 'source_ip'],
    ['userAgent', 'user_agent'],
    ['message', 'message'],
  ] as const;
  for (const [field, column] of fields) {
    const value = text(column);
    if (value !== undefined) event[field] = value;
  }
  if (Number(row['dry_run']) === 1) event.dryRun = true;
  return event;
}

export class SqliteAuditLog implements AuditLog {
  readonly #db: DatabaseSync;
  readonly #retentionMs: number;
  readonly #flushIntervalMs: number;
  readonly #batchSize: number;
  readonly #maxQueued: number;
  readonly #clock: () => Date;
  readonly #onError: (err: unknown, context: string) => void;
  readonly #sweepTimer: NodeJS.Timeout;
  #queue: AuditRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Use openSqliteAuditLog. */
  constructor(db: DatabaseSync, opts: SqliteAuditLogOptions) {
    this.#db = db;
    this.#retentionMs = opts.retentionMs ?? 90 * dayMs;
    this.#flushIntervalMs = opts.flushIntervalMs ?? 100;
    this.#batchSize = opts.batchSize ?? 200;
    this.#maxQueued = opts.maxQueued ?? 10_000;
    this.#clock = opts.clock ?? (() => new Date());
    this.#onError = opts.onError ?? (() => {});
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    // Short: a batch that finds the file locked stays queued and is tried again later.
    db.exec('PRAGMA busy_timeout = 50');
    db.exec(schema);
    this.sweep();
    this.#sweepTimer = setInterval(() => this.sweep(), opts.sweepIntervalMs ?? dayMs);
    this.#sweepTimer.unref();
  }

  append(record: AuditRecord): void {
    if (this.#closed) return;
    this.#queue.push(record);
    if (this.#queue.length > this.#maxQueued) {
      const dropped = this.#queue.length - this.#maxQueued;
      this.#queue.splice(0, dropped);
      this.#onError(new Error(`dropped ${dropped} audit entries`), 'audit queue full');
    }
    if (this.#queue.length >= this.#batchSize) this.#schedule(0);
    else this.#schedule(this.#flushIntervalMs);
  }

  #schedule(delayMs: number): void {
    if (this.#flushTimer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#flushTimer);
    }
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.flush();
    }, delayMs);
    this.#flushTimer.unref();
  }

  /** Write every queued entry now, in one transaction. Returns false when it failed (they stay queued). */
  flush(): boolean {
    if (this.#queue.length === 0) return true;
    const batch = this.#queue;
    this.#queue = [];
    try {
      const insert = this.#db.prepare(insertSql);
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        for (const r of batch) {
          insert.run(
            r.time.getTime(),
            r.user,
            r.groups === undefined ? null : JSON.stringify(r.groups),
            r.verb,
            optional(r.apiGroup),
            optional(r.resource),
            optional(r.subresource),
            optional(r.namespace),
            optional(r.name),
            r.path,
            optional(r.sourceIP),
            optional(r.userAgent),
            r.code,
            r.result,
            optional(r.message),
            r.dryRun === true ? 1 : 0,
          );
        }
        this.#db.exec('COMMIT');
      } catch (err: unknown) {
        this.#db.exec('ROLLBACK');
        throw err;
      }
      return true;
    } catch (err: unknown) {
      this.#queue = batch.concat(this.#queue);
      this.#onError(err, 'writing audit entries');
      if (!this.#closed) this.#schedule(this.#flushIntervalMs * 10);
      return false;
    }
  }

  /** Delete entries older than the retention; returns how many. */
  sweep(): number {
    if (this.#closed) return 0;
    try {
      const cutoff = this.#clock().getTime() - this.#retentionMs;
      const result = this.#db.prepare('DELETE FROM audit_events WHERE time_ms < ?').run(cutoff);
      return Number(result.changes);
    } catch (err: unknown) {
      this.#onError(err, 'sweeping old audit entries');
      return 0;
    }
  }

  query(query: AuditQuery = {}): Promise<AuditPage> {
    try {
      return Promise.resolve(this.#query(query));
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #query(query: AuditQuery): AuditPage {
    if (this.#closed) throw new Error('the audit log is closed');
    this.flush();
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    const equal = [
      ['user', query.user],
      ['namespace', query.namespace],
      ['verb', query.verb],
      ['resource', query.resource],
    ] as const;
    for (const [column, value] of equal) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      args.push(value);
    }
    if (query.since) {
      where.push('time_ms >= ?');
      args.push(query.since.getTime());
    }
    if (query.until) {
      where.push('time_ms < ?');
      args.push(query.until.getTime());
    }
    if (query.continue !== undefined) {
      const after = decodeContinue(query.continue);
      where.push('(time_ms < ? OR (time_ms = ? AND id < ?))');
      args.push(after.timeMs, after.timeMs, after.id);
    }
    const limit = Math.min(Math.max(1, query.limit ?? defaultAuditPageSize), maxAuditPageSize);
    const sql =
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY time_ms DESC, id DESC LIMIT ?';
    const rows = this.#db.prepare(sql).all(...args, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const result: AuditPage = { items: page.map(toEvent) };
    if (rows.length > limit && last)
      result.continue = encodeContinue(Number(last['time_ms']), Number(last['id']));
    return result;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.flush();
    this.#closed = true;
    this.#db.close();
    return Promise.resolve();
  }
}
