// Authentication: who is calling. The first stage of every request. Authenticators for
// the admin token file, API tokens and session cookies, combined with `firstAuthenticator`;
// each signed-in User's groups come from src/identity (`principalOf`).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiTokens } from '../identity/api-tokens.ts';
import { ensureSecretFile } from '../identity/secret-file.ts';
import type { Session, SessionStore } from '../identity/sessions.ts';
import {
  AdminGroup,
  AuthenticatedGroup,
  findUser,
  isActive,
  principalOf,
} from '../identity/users.ts';
import type { Store } from '../store/types.ts';

/** The authenticated caller, as in Kubernetes `user.Info`. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: readonly string[];
}

/** The part of a request an Authenticator may look at. */
export interface AuthenticationRequest {
  headers: Record<string, string | string[] | undefined>;
}

/** Returns the caller, or undefined when the request carries no credentials this authenticator accepts. */
export type Authenticator = (req: AuthenticationRequest) => Promise<UserInfo | undefined>;

// Group whose members may do everything (the Kubernetes name, so RBAC rules read
// familiar), and the group of every signed-in caller; defined with the identities.
export { AdminGroup, AuthenticatedGroup };

export const adminUser: UserInfo = {
  username: 'admin',
  uid: 'admin',
  groups: [AdminGroup, AuthenticatedGroup],
};

/** The token from an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(req: AuthenticationRequest): string | undefined {
  const header = req.headers['authorization'];
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Accepts exactly the admin token, compared in constant time. Only the length may
 * show in the timing, and that is no secret: generated tokens are always 43 characters.
 */
export function bearerTokenAuthenticator(adminToken: string): Authenticator {
  if (adminToken.length === 0) throw new Error('admin token must not be empty');
  const expected = Buffer.from(adminToken, 'utf8');
  return (req) => {
    const token = bearerToken(req);
    if (token === undefined || Buffer.byteLength(token, 'utf8') !== expected.length) {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(
      timingSafeEqual(Buffer.from(token, 'utf8'), expected) ? adminUser : undefined,
    );
  };
}

/**
 * Accepts `slw_…` API tokens (src/identity/api-tokens.ts): not revoked, not expired,
 * their user present and enabled.
 */
export function apiTokenAuthenticator(tokens: ApiTokens): Authenticator {
  return async (req) => {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const user = await tokens.authenticate(token);
    return user === undefined ? undefined : principalOf(user);
  };
}

/** Cookie that carries the session id. */
export const sessionCookieName = 'slipway_session';

/** The session id in the request's cookie, if there is one. */
export function sessionIdOf(req: AuthenticationRequest): string | undefined {
  const header = req.headers['cookie'];
  if (typeof header !== 'string') return undefined;
  // Read by hand rather than with @fastify/cookie's parser: authenticators see only the
  // headers, and that parser works only once the plugin has been registered. Session ids
  // are base64url, so no value decoding is needed.
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === sessionCookieName) {
      const id = pair.slice(eq + 1).trim();
      return id === '' ? undefined : id;
    }
  }
  return undefined;
}

// The session a caller was authenticated by, kept beside the UserInfo rather than in it
// so that code logging or serializing a UserInfo cannot leak its CSRF token.
const sessionsByUser = new WeakMap<UserInfo, Session>();

/** The session that authenticated this caller; undefined for bearer-token callers. */
export function sessionOf(user: UserInfo): Session | undefined {
  return sessionsByUser.get(user);
}

/**
 * Accepts the session cookie of a live session whose User still exists and is enabled.
 * Groups are the User's current ones, so making someone admin (or not) applies at once.
 */
export function sessionAuthenticator(sessions: SessionStore, store: Store): Authenticator {
  return async (req) => {
    const id = sessionIdOf(req);
    if (id === undefined) return undefined;
    const session = await sessions.get(id);
    if (session === undefined) return undefined;
    const user = await findUser(store, session.username);
    // A User deleted and made again under the same name is someone else.
    if (!isActive(user) || (session.uid !== undefined && session.uid !== user.metadata.uid))
      return undefined;
    const info: UserInfo = principalOf(user);
    sessionsByUser.set(info, session);
    return info;
  };
}

/** Tries each authenticator in turn; the first that recognises the caller wins. */
export function firstAuthenticator(...authenticators: Authenticator[]): Authenticator {
  return async (req) => {
    for (const authenticate of authenticators) {
      const user = await authenticate(req);
      if (user !== undefined) return user;
    }
    return undefined;
  };
}

export const adminTokenFile = 'admin.token';

/**
 * The admin bearer token: generated on first start into `${dataDir}/admin.token`
 * (mode 0600) and read from there afterwards.
 */
export async function ensureAdminToken(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { value } = await ensureSecretFile(join(dataDir, adminTokenFile), () =>
    randomBytes(32).toString('base64url'),
  );
  return value;
}
