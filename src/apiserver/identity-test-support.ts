// Shared by the identity HTTP tests: a real API server on a real SQLite store with the
// identity services wired as src/server.ts wires them, a controllable clock, a cheap
// scrypt, and a log captured in memory. Not part of the server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, HTTPMethods, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { ApiVersion, type AnyResource } from '../api/index.ts';
import type { User } from '../api/kinds/user.ts';
import { ApiTokens } from '../identity/api-tokens.ts';
import { scryptHasher } from '../identity/passwords.ts';
import { LoginRateLimiter } from '../identity/rate-limit.ts';
import { SessionStore } from '../identity/sessions.ts';
import { UserPasswords } from '../identity/users.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/types.ts';
import {
  apiTokenAuthenticator,
  bearerTokenAuthenticator,
  firstAuthenticator,
  sessionAuthenticator,
  sessionCookieName,
} from './authn.ts';
import { buildApiServer } from './server.ts';

export const adminBearer = 'identity-test-admin-token';
export const sessionTtlMs = 60 * 60 * 1000;

export interface IdentityServer {
  app: FastifyInstance;
  store: Store;
  sessions: SessionStore;
  passwords: UserPasswords;
  clock: { now: number };
  /** Everything the server logged so far. */
  log(): string;
  /** `app.inject` with a JSON body; headers as given (no credentials unless passed). */
  request(
    method: HTTPMethods,
    url: string,
    opts?: { body?: unknown; headers?: Record<string, string>; remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
  /** A User with this password (and spec). */
  addUser(name: string, password: string, spec?: User['spec']): Promise<void>;
  /** Log in; returns the session cookie header and CSRF token. */
  login(name: string, password: string): Promise<Browser>;
  close(): Promise<void>;
}

/** What a browser holds after logging in. */
export interface Browser {
  sessionId: string;
  cookie: string;
  csrfToken: string;
  response: LightMyRequestResponse;
}

export function sessionCookieOf(res: LightMyRequestResponse) {
  return res.cookies.find((c) => c.name === sessionCookieName);
}

export async function startIdentityServer(
  opts: { limits?: { perUser?: number; perAddress?: number; windowMs?: number } } = {},
): Promise<IdentityServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-identity-http-'));
  const store = await openSqliteStore({ dataDir });
  const clock = { now: Date.parse('2026-03-01T09:00:00Z') };
  const now = () => clock.now;
  const sessions = new SessionStore({ store, now, ttlMs: sessionTtlMs });
  const passwords = new UserPasswords({ store, hasher: scryptHasher({ logN: 10, r: 8, p: 1 }) });
  const tokens = new ApiTokens({ store, now });
  const rateLimiter = new LoginRateLimiter({
    now,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  // Trace level and request headers serialized on purpose: whatever a careless
  // configuration would log, no credential may be in it.
  const logger = pino(
    {
      level: 'trace',
      serializers: {
        req: (req: { headers: unknown; url: string }) => ({ url: req.url, headers: req.headers }),
      },
    },
    stream,
  );
  const app = await buildApiServer({
    store,
    logger,
    authenticate: firstAuthenticator(
      bearerTokenAuthenticator(adminBearer),
      apiTokenAuthenticator(tokens),
      sessionAuthenticator(sessions, store),
    ),
    identity: { sessions, passwords, tokens, rateLimiter },
  });
  const server: IdentityServer = {
    app,
    store,
    sessions,
    passwords,
    clock,
    log: () => lines.join(''),
    request(method, url, { body, headers = {}, remoteAddress } = {}) {
      const options: InjectOptions = { method, url, headers: { ...headers } };
      if (remoteAddress !== undefined) options.remoteAddress = remoteAddress;
      if (body !== undefined) {
        options.payload = JSON.stringify(body);
        options.headers = { 'content-type': 'application/json', ...options.headers };
      }
      return app.inject(options);
    },
    async addUser(name, password, spec = {}) {
      await store.create<User & AnyResource>({
        apiVersion: ApiVersion,
        kind: 'User',
        metadata: { name },
        spec,
      });
      await passwords.set(name, password);
    },
    async login(name, password) {
      const response = await server.request('POST', '/auth/login', {
        body: { username: name, password },
      });
      const cookie = sessionCookieOf(response);
      if (response.statusCode !== 200 || cookie === undefined)
        throw new Error(`login of ${name} failed: ${response.statusCode} ${response.body}`);
      const { csrfToken } = response.json<{ csrfToken: string }>();
      return {
        sessionId: cookie.value,
        cookie: `${sessionCookieName}=${cookie.value}`,
        csrfToken,
        response,
      };
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
