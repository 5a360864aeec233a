// Authentication: who is calling. The first stage of every request; later issues add
// API tokens and OIDC as further Authenticators combined with `firstAuthenticator`.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

/** Group whose members may do everything (the Kubernetes name, so RBAC rules read familiar). */
export const AdminGroup = 'system:masters';
export const AuthenticatedGroup = 'system:authenticated';

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
  const path = join(dataDir, adminTokenFile);
  const token = randomBytes(32).toString('base64url');
  // Written aside, then hard-linked into place: link() fails if the file exists, so of
  // two servers starting at once one wins, and nobody ever reads a half-written file.
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${token}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(temporary, path);
    return token;
  } catch (err: unknown) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
  } finally {
    await unlink(temporary);
  }
  // A copied data directory may have lost its permissions; the token must stay private.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  const existing = (await readFile(path, 'utf8')).trim();
  if (existing.length === 0) throw new Error(`${path} is empty; delete it to generate a new token`);
  return existing;
}
