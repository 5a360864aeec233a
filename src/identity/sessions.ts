// Login sessions. The id (32 random bytes, base64url) lives only in the browser's cookie;
// the store keeps an internal Secret `slipway-system/session-<sha256(id) hex, 40 chars>`
// (type slipway.dev/session) with the user, a groups snapshot, the CSRF token and the
// expiry. Expiry is absolute (default 12 h). A short in-memory cache saves store reads;
// a session deleted or expired on this replica stops working at once.
import { createHash, randomBytes } from 'node:crypto';
import {
  ApiVersion,
  StatusReason,
  SystemNamespace,
  isSlipwayError,
  type AnyResource,
} from '../api/index.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import type { Store } from '../store/types.ts';
import type { Principal } from './users.ts';

/** A live session, as the authenticator and the auth routes see it. */
export interface Session {
  /** The name of its Secret (derived from the id; safe to log). */
  key: string;
  username: string;
  /** The User's uid at login: a User deleted and made again under the same name is someone else. */
  uid?: string;
  /** The groups at login (the authenticator uses the User's current groups). */
  groups: readonly string[];
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A session just created: the id to put in the cookie, shown nowhere else. */
export interface NewSession extends Session {
  id: string;
}

export interface SessionStoreOptions {
  store: Store;
  /** Absolute lifetime; default 12 h. */
  ttlMs?: number;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** How long a session read from the store is trusted before reading it again; default 5 s. */
  cacheMs?: number;
  /** Interval of the expired-session sweep started by `startSweeper`; default 10 min. */
  sweepIntervalMs?: number;
}

export const defaultSessionTtlMs = 12 * 60 * 60 * 1000;
/** Label on every session Secret, so the sweep lists only those. */
export const sessionLabel = 'slipway.dev/session';
const maxCached = 10_000;

/** The Secret name of a session id: SHA-256, hex, first 40 characters. The id itself is never stored. */
export function sessionKey(id: string): string {
  return `session-${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40)}`;
}

const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

/** Sessions kept in the store; see the module comment. */
export class SessionStore {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #sweepIntervalMs: number;
  readonly #cache = new Map<string, { session: Session; readAt: number }>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(opts: SessionStoreOptions) {
    this.#store = opts.store;
    this.#ttlMs = opts.ttlMs ?? defaultSessionTtlMs;
    this.#now = opts.now ?? Date.now;
    this.#cacheMs = opts.cacheMs ?? 5000;
    this.#sweepIntervalMs = opts.sweepIntervalMs ?? 10 * 60 * 1000;
  }

  /**
   * Start a session for a user who just proved who they are. Always a new id; the
   * caller's previous session (`previousId`, from their cookie) is deleted, so a
   * session id planted before login is worthless after it.
   */
  async create(user: Principal, opts: { previousId?: string } = {}): Promise<NewSession> {
    if (opts.previousId !== undefined) await this.delete(opts.previousId);
    const id = randomBytes(32).toString('base64url');
    const now = this.#now();
    const session: NewSession = {
      id,
      key: sessionKey(id),
      username: user.username,
      ...(user.uid !== undefined ? { uid: user.uid } : {}),
      groups: [...user.groups],
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: new Date(now),
      expiresAt: new Date(now + this.#ttlMs),
    };
    const record = {
      user: session.username,
      uid: session.uid,
      groups: session.groups,
      csrfToken: session.csrfToken,
      createdAt: session.createdAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
    };
    const secret: Secret & AnyResource = {
      apiVersion: ApiVersion,
      kind: 'Secret',
      metadata: {
        name: session.key,
        namespace: SystemNamespace,
        labels: { [sessionLabel]: 'true' },
        // Deleted with its User by the garbage collector.
        ...(user.uid !== undefined
          ? {
              ownerReferences: [
                { apiVersion: ApiVersion, kind: 'User', name: user.username, uid: user.uid },
              ],
            }
          : {}),
      },
      type: SecretTypes.Session,
      data: { session: Buffer.from(JSON.stringify(record), 'utf8').toString('base64') },
    };
    await this.#store.create(secret);
    this.#remember(sessionWithoutId(session));
    return session;
  }

  /** The live session with this id, or undefined (unknown, malformed, expired). */
  async get(id: string): Promise<Session | undefined> {
    if (!sessionIdPattern.test(id)) return undefined;
    const key = sessionKey(id);
    const now = this.#now();
    const cached = this.#cache.get(key);
    let session =
      cached !== undefined && now - cached.readAt < this.#cacheMs ? cached.session : undefined;
    if (session === undefined) {
      session = await this.#read(key);
      if (session === undefined) {
        this.#cache.delete(key);
        return undefined;
      }
      this.#remember(session);
    }
    if (session.expiresAt.getTime() <= now) {
      await this.#deleteKey(key);
      return undefined;
    }
    return session;
  }

  /** End the session with this id (logout). No error when there is none. */
  async delete(id: string): Promise<void> {
    if (!sessionIdPattern.test(id)) return;
    await this.#deleteKey(sessionKey(id));
  }

  /** End every session of a user (password changed, user disabled); returns how many. */
  async deleteUserSessions(username: string, opts: { except?: string } = {}): Promise<number> {
    let deleted = 0;
    for (const [key, session] of await this.#all()) {
      if (session.username !== username || key === opts.except) continue;
      await this.#deleteKey(key);
      deleted++;
    }
    return deleted;
  }

  /** Delete every expired session; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#now();
    let deleted = 0;
    for (const [key, session] of await this.#all()) {
      if (session.expiresAt.getTime() > now) continue;
      await this.#deleteKey(key);
      deleted++;
    }
    for (const [key, entry] of this.#cache) {
      if (now - entry.readAt >= this.#cacheMs) this.#cache.delete(key);
    }
    return deleted;
  }

  /** Sweep periodically until `stopSweeper`. `onError` hears sweeps that failed. */
  startSweeper(onError: (err: unknown) => void): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => {
      this.sweep().catch(onError);
    }, this.#sweepIntervalMs);
    this.#sweeper.unref();
  }

  stopSweeper(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  async #all(): Promise<Map<string, Session>> {
    const sessions = new Map<string, Session>();
    const { items } = await this.#store.list<Secret & AnyResource>('Secret', {
      namespace: SystemNamespace,
      labelSelector: sessionLabel,
    });
    for (const secret of items) {
      const session = decodeSession(secret);
      if (session !== undefined) sessions.set(secret.metadata.name, session);
    }
    return sessions;
  }

  async #read(key: string): Promise<Session | undefined> {
    try {
      const secret = await this.#store.get<Secret & AnyResource>('Secret', SystemNamespace, key);
      return decodeSession(secret);
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  }

  async #deleteKey(key: string): Promise<void> {
    this.#cache.delete(key);
    try {
      await this.#store.delete('Secret', SystemNamespace, key);
    } catch (err: unknown) {
      if (!isSlipwayError(err, StatusReason.NotFound)) throw err;
    }
  }

  #remember(session: Session): void {
    if (this.#cache.size >= maxCached) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(session.key, { session, readAt: this.#now() });
  }
}

function sessionWithoutId(session: NewSession): Session {
  const { id: _id, ...rest } = session;
  return rest;
}

function decodeSession(secret: Secret & AnyResource): Session | undefined {
  if (secret.type !== SecretTypes.Session) return undefined;
  const encoded = secret.data?.['session'];
  if (encoded === undefined) return undefined;
  try {
    const record = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    const { user, uid, groups, csrfToken, createdAt, expiresAt } = record;
    if (typeof user !== 'string' || typeof csrfToken !== 'string') return undefined;
    if (typeof expiresAt !== 'string' || typeof createdAt !== 'string') return undefined;
    const expiry = new Date(expiresAt);
    if (Number.isNaN(expiry.getTime())) return undefined;
    return {
      key: secret.metadata.name,
      username: user,
      ...(typeof uid === 'string' ? { uid } : {}),
      groups: Array.isArray(groups) ? groups.filter((g) => typeof g === 'string') : [],
      csrfToken,
      createdAt: new Date(createdAt),
      expiresAt: expiry,
    };
  } catch {
    return undefined;
  }
}
