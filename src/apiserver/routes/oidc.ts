// OIDC login routes (public): GET /auth/oidc/login sends the browser to the identity
// provider; GET /auth/oidc/callback is where it comes back, and leaves with a session
// cookie (the same session a password login makes) and a redirect to the dashboard.
// The login's state, nonce and PKCE verifier stay on the server (src/identity/oidc.ts);
// the browser holds only the pending login's random id, in a cookie SameSite=Lax (the
// callback is a navigation from the provider's site, which a Strict cookie would miss)
// and scoped to /auth/oidc.
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SlipwayError, StatusReason } from '../../api/index.ts';
import { OidcLoginError, type OidcLogin } from '../../identity/oidc.ts';
import type { SessionStore } from '../../identity/sessions.ts';
import { principalOf } from '../../identity/users.ts';
import type { Store } from '../../store/types.ts';
import { startSession } from './auth.ts';

export const oidcLoginPath = '/auth/oidc/login';
export const oidcCallbackPath = '/auth/oidc/callback';
export const oidcPendingCookieName = 'slipway_oidc';

export interface OidcRouteOptions {
  login: OidcLogin;
  sessions: SessionStore;
  store: Store;
  /** Where the browser goes once signed in; default `/` (the dashboard). */
  afterLogin?: string;
}

export function registerOidcRoutes(app: FastifyInstance, opts: OidcRouteOptions): void {
  const clearPending = (reply: FastifyReply) =>
    reply.header(
      'set-cookie',
      fastifyCookie.serialize(oidcPendingCookieName, '', {
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        path: '/auth/oidc',
        maxAge: 0,
      }),
    );

  app.get(oidcLoginPath, { config: { public: true } }, async (_req, reply) => {
    const started = await opts.login.start();
    reply.header(
      'set-cookie',
      fastifyCookie.serialize(oidcPendingCookieName, started.id, {
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        path: '/auth/oidc',
        expires: started.expiresAt,
      }),
    );
    return reply.header('cache-control', 'no-store').redirect(started.url.href, 302);
  });

  app.get(oidcCallbackPath, { config: { public: true } }, async (req, reply) => {
    const cookies = fastifyCookie.parse(req.headers.cookie ?? '');
    const pendingId = cookies[oidcPendingCookieName];
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    clearPending(reply);
    let user;
    try {
      user = await opts.login.finish(pendingId || undefined, query);
    } catch (err: unknown) {
      if (!(err instanceof OidcLoginError)) throw err;
      const failure = new SlipwayError(
        err.kind === 'forbidden' ? StatusReason.Forbidden : StatusReason.BadRequest,
        `OIDC login failed: ${err.message}`,
      );
      // The callback is a browser navigation: a person, not a program, reads the answer.
      if (wantsHtml(req.headers.accept)) {
        return reply
          .code(failure.code)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(loginFailedPage(failure.message));
      }
      throw failure;
    }
    await startSession({ store: opts.store, sessions: opts.sessions }, req, reply, user);
    req.user = principalOf(user); // for the audit log
    return reply.header('cache-control', 'no-store').redirect(opts.afterLogin ?? '/', 302);
  });
}

function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/html\b/.test(accept);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A failed single sign-on, for the browser that came back from the provider. */
export function loginFailedPage(message: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed · Slipway</title>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>',
    '<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">',
    '<h1>Sign-in failed</h1>',
    `<p role="alert">${escapeHtml(message)}</p>`,
    '<p><a href="/">Back to sign in</a></p>',
    '</body></html>',
  ].join('\n');
}
