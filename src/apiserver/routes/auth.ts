// The login API the dashboard uses: POST /auth/login, POST /auth/logout, GET /auth/whoami,
// GET /auth/config, and PUT /apis/slipway.dev/v1alpha1/users/{name}/password. Errors are
// Kubernetes Status bodies like the rest of the API. Request bodies here hold passwords:
// nothing in this file logs them, and Fastify logs no bodies.
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiVersion,
  Group,
  SlipwayError,
  StatusReason,
  badRequest,
  invalid,
  isPlainObject,
  type AnyResource,
  type FieldCause,
} from '../../api/index.ts';
import type { User } from '../../api/kinds/user.ts';
import type { ApiTokens } from '../../identity/api-tokens.ts';
import type { LoginRateLimiter } from '../../identity/rate-limit.ts';
import type { NewSession, SessionStore } from '../../identity/sessions.ts';
import { AdminGroup, principalOf, type UserPasswords } from '../../identity/users.ts';
import type { Store } from '../../store/types.ts';
import { sessionCookieName, sessionIdOf, sessionOf, type UserInfo } from '../authn.ts';
import { mediaType } from '../body.ts';

/** A project the caller belongs to, as whoami reports it. */
export interface ProjectRoleOf {
  name: string;
  role: string;
}

/** What src/identity provides the API server; built by the composition root. */
export interface IdentityServices {
  sessions: SessionStore;
  passwords: UserPasswords;
  rateLimiter: LoginRateLimiter;
  tokens: ApiTokens;
  /** What /auth/config says about OIDC (src/identity OIDC, when configured). */
  oidc?: { enabled: boolean; name?: string };
}

export interface AuthRouteDeps extends Omit<IdentityServices, 'tokens'> {
  store: Store;
  /** The caller's projects and roles for whoami (RBAC's project index); none without. */
  projectRolesOf?: (user: UserInfo) => ProjectRoleOf[] | Promise<ProjectRoleOf[]>;
}

const invalidCredentials = 'invalid username or password';

const cookieOptions: CookieSerializeOptions = {
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: '/',
};

/**
 * Start a session for a User who proved who they are (password or OIDC): a new id,
 * the caller's previous session deleted, the cookie set on `reply`, lastLoginTime noted.
 */
export async function startSession(
  deps: Pick<AuthRouteDeps, 'store' | 'sessions'>,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
): Promise<NewSession> {
  const previousId = sessionIdOf(req);
  const session = await deps.sessions.create(principalOf(user), {
    ...(previousId !== undefined ? { previousId } : {}),
  });
  reply.setCookie(sessionCookieName, session.id, { ...cookieOptions, expires: session.expiresAt });
  await noteLogin(deps.store, user, session.createdAt);
  return session;
}

/** Best effort: a lost race on the User's status must not fail the login. */
async function noteLogin(store: Store, user: User, time: Date): Promise<void> {
  try {
    const current = await store.get<User & AnyResource>('User', undefined, user.metadata.name);
    await store.updateStatus({
      ...current,
      status: { ...current.status, lastLoginTime: time.toISOString() },
    });
  } catch {
    // The next login writes it again.
  }
}

function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName, cookieOptions);
}

/** Bodies with passwords come as JSON only: a cross-site HTML form cannot send that. */
function jsonBody(req: FastifyRequest, fields: readonly string[]): Record<string, unknown> {
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    throw new SlipwayError(
      StatusReason.UnsupportedMediaType,
      'the body of the request must be application/json',
    );
  }
  const body = req.body;
  if (!isPlainObject(body)) throw badRequest('the body must be a JSON object');
  const causes: FieldCause[] = fields
    .filter((field) => typeof body[field] !== 'string' || body[field] === '')
    .map((field) => ({ field, message: 'Required value', reason: 'FieldValueRequired' }));
  if (causes.length > 0)
    throw badRequest(`missing ${causes.map((c) => c.field).join(', ')}`, causes);
  return body;
}

function tooManyRequests(reply: FastifyReply, retryAfterSeconds: number): SlipwayError {
  reply.header('retry-after', String(retryAfterSeconds));
  return new SlipwayError(
    StatusReason.TooManyRequests,
    `too many failed logins; try again in ${retryAfterSeconds} seconds`,
  );
}

function isAdmin(user: UserInfo): boolean {
  return user.groups.includes(AdminGroup);
}

export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  app.get('/auth/config', { config: { public: true } }, () => ({
    password: true,
    oidc: deps.oidc ?? { enabled: false },
  }));

  app.post('/auth/login', { config: { public: true } }, async (req, reply) => {
    const body = jsonBody(req, ['username', 'password']);
    const username = String(body['username']);
    const password = String(body['password']);
    const limit = deps.rateLimiter.check(username, req.ip);
    if (!limit.allowed) throw tooManyRequests(reply, limit.retryAfterSeconds);
    // Counted before the slow check, so parallel guesses cannot all slip under the limit.
    deps.rateLimiter.recordFailure(username, req.ip);
    const user = await deps.passwords.verify(username, password);
    if (user === undefined) throw new SlipwayError(StatusReason.Unauthorized, invalidCredentials);
    deps.rateLimiter.recordSuccess(username, req.ip);
    const session = await startSession(deps, req, reply, user);
    const { username: name, groups } = principalOf(user);
    return {
      user: { username: name, groups, admin: groups.includes(AdminGroup) },
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt.toISOString(),
    };
  });

  app.post('/auth/logout', async (req, reply) => {
    const id = sessionIdOf(req);
    if (id !== undefined && req.user !== undefined && sessionOf(req.user) !== undefined)
      await deps.sessions.delete(id);
    clearSessionCookie(reply);
    return reply.code(204).send();
  });

  app.get('/auth/whoami', async (req) => {
    const user = req.user;
    if (user === undefined) throw new SlipwayError(StatusReason.Unauthorized, 'Unauthorized');
    const session = sessionOf(user);
    return {
      username: user.username,
      groups: user.groups,
      admin: isAdmin(user),
      projects: deps.projectRolesOf ? await deps.projectRolesOf(user) : [],
      ...(session !== undefined
        ? { csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() }
        : {}),
    };
  });

  app.put<{ Params: { name: string } }>(
    `/apis/${ApiVersion}/users/:name/password`,
    async (req, reply) => {
      const caller = req.user;
      if (caller === undefined) throw new SlipwayError(StatusReason.Unauthorized, 'Unauthorized');
      const name = req.params.name;
      const admin = isAdmin(caller);
      if (!admin && caller.username !== name) {
        throw new SlipwayError(
          StatusReason.Forbidden,
          `users.${Group} "${name}" is forbidden: User "${caller.username}" may change only their own password`,
        );
      }
      const body = jsonBody(req, admin ? ['password'] : ['password', 'currentPassword']);
      if (!admin) {
        const limit = deps.rateLimiter.check(name, req.ip);
        if (!limit.allowed) throw tooManyRequests(reply, limit.retryAfterSeconds);
        const current = String(body['currentPassword']);
        deps.rateLimiter.recordFailure(name, req.ip);
        if ((await deps.passwords.verify(name, current)) === undefined) {
          throw invalid('User', name, [
            {
              field: 'currentPassword',
              message: 'does not match the current password',
              reason: 'FieldValueInvalid',
            },
          ]);
        }
        deps.rateLimiter.recordSuccess(name, req.ip);
      }
      await deps.passwords.set(name, body['password']);
      // Other sessions of the user end: whoever else knew the old password is signed out.
      const session = sessionOf(caller);
      await deps.sessions.deleteUserSessions(name, {
        ...(session !== undefined && caller.username === name ? { except: session.key } : {}),
      });
      return {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        message: `password of user "${name}" changed`,
        code: 200,
        details: { name, group: Group, kind: 'users' },
      };
    },
  );
}
