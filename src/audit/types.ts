// The audit log's contract: what one entry holds and how admins query them. Entries
// say who did what, when, from where and how it ended; never bodies, header values,
// tokens or secret values (the API server's hook decides what goes in).

/** `allowed` = the request was carried out (2xx/3xx); `denied` = 401/403/429; `error` = any other failure. */
export type AuditResult = 'allowed' | 'denied' | 'error';

/** What the API server hands the log for one request. */
export interface AuditRecord {
  /** When the request was received. */
  time: Date;
  /** The caller's user name, `system:anonymous`, or for a login the attempted name. */
  user: string;
  groups?: readonly string[];
  /** Kubernetes verb for resource requests (`create`, `get`, …); lower-case method otherwise. */
  verb: string;
  apiGroup?: string;
  /** Plural, e.g. `secrets`. */
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The URL path without its query. */
  path: string;
  sourceIP?: string;
  userAgent?: string;
  /** HTTP status code of the answer. */
  code: number;
  result: AuditResult;
  /** The failure's message (first line, shortened); absent on success. */
  message?: string;
  /** A `dryRun=All` request: checked, never stored. */
  dryRun?: boolean;
}

/** A stored entry, as the query API serves it. */
export interface AuditEvent extends Omit<AuditRecord, 'time' | 'groups'> {
  /** Stable, increasing id. */
  id: string;
  /** RFC 3339 with milliseconds, UTC. */
  time: string;
  groups?: string[];
}

/** Filters of a query; every given one must match. */
export interface AuditQuery {
  user?: string;
  namespace?: string;
  verb?: string;
  resource?: string;
  /** Entries at or after this time. */
  since?: Date;
  /** Entries before this time. */
  until?: Date;
  /** Page size; at most `maxAuditPageSize`. */
  limit?: number;
  /** The `continue` token of the previous page. */
  continue?: string;
}

/** One page, newest first; `continue` is set when there are more. */
export interface AuditPage {
  items: AuditEvent[];
  continue?: string;
}

export const defaultAuditPageSize = 100;
export const maxAuditPageSize = 1000;

export interface AuditLog {
  /** Queue an entry; never throws and never waits for the disk. */
  append(record: AuditRecord): void;
  /** Entries matching `query`, newest first (queued entries included). */
  query(query?: AuditQuery): Promise<AuditPage>;
  /** Write what is queued and close; later appends are dropped. */
  close(): Promise<void>;
}

/** Thrown by `query` for a malformed `continue` token (the API answers 400). */
export class InvalidContinueToken extends Error {
  constructor() {
    super('continue: not a token this server issued');
    this.name = 'InvalidContinueToken';
  }
}
