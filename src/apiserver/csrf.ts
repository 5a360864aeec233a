// CSRF protection for the dashboard's cookie sessions. A browser attaches the session
// cookie to any request to this origin (SameSite=Strict already stops most cross-site
// ones); a write must also carry `X-CSRF-Token` with the session's token, which only
// pages of this origin can read (from /auth/login or /auth/whoami). Bearer-token callers
// need none: a browser never adds an Authorization header on its own.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SlipwayError, StatusReason } from '../api/index.ts';
import { sessionOf } from './authn.ts';

export const csrfHeader = 'x-csrf-token';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether `given` equals `expected`, compared in constant time. */
export function csrfTokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * An onRequest hook, after authentication: refuses (403) a cookie-authenticated request
 * with an unsafe method whose X-CSRF-Token header is missing or wrong.
 */
export function csrfHook() {
  return (req: FastifyRequest): Promise<void> => {
    const user = req.user;
    if (user === undefined || safeMethods.has(req.method)) return Promise.resolve();
    const session = sessionOf(user);
    if (session === undefined) return Promise.resolve(); // bearer token
    if (!csrfTokenMatches(req.headers[csrfHeader], session.csrfToken))
      return Promise.reject(
        new SlipwayError(StatusReason.Forbidden, 'CSRF token missing or invalid'),
      );
    return Promise.resolve();
  };
}
