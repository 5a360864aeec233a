// The web dashboard: the files Vite built into web/dist, served at `/` without
// authentication (they hold no data; the dashboard signs in through /auth and calls the
// API like any client). Any other GET that no API route matched and that is not under an
// API prefix answers index.html, so the dashboard's own paths (/projects/x/clusters)
// survive a reload. Without a build, those requests answer 503 saying how to build it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SlipwayError, StatusReason } from '../../api/index.ts';
import { failureStatus } from '../status.ts';

export interface DashboardOptions {
  /** Folder holding the built dashboard (index.html and assets/). */
  root: string;
}

export interface Dashboard {
  /** Whether a request no route matched is a dashboard page rather than an API call. */
  isPage(req: FastifyRequest): boolean;
  /** Answer a dashboard page: index.html, or 503 when the dashboard was not built. */
  servePage(req: FastifyRequest, reply: FastifyReply): FastifyReply;
}

/** Path prefixes of the API: never answered with the dashboard. */
export const apiPrefixes = [
  '/apis',
  '/api',
  '/auth',
  '/healthz',
  '/readyz',
  '/livez',
  '/version',
  '/openapi',
  '/metrics',
] as const;

/** Whether `path` is (under) one of the API's prefixes. */
export function isApiPath(path: string): boolean {
  return apiPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * The dashboard is a single-page app that loads its code from its own origin. Scripts may
 * use eval-like code generation because the form validator (Ajv) compiles each
 * template's values schema in the browser.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
} as const;

function setFileHeaders(reply: FastifyReply, path: string): void {
  reply.header('x-content-type-options', 'nosniff');
  if (path.endsWith('.html')) {
    reply.headers(pageHeaders);
  } else if (path.includes('/assets/')) {
    // Vite names assets by content hash: a changed file is a new name.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
  }
}

const notBuiltMessage =
  'the dashboard has not been built: run `npm run build:web` (or start the server with `npm start`, which builds it) and reload';

function notBuiltPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Slipway: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 10vh auto; padding: 0 1rem">
<h1>The dashboard is not built</h1>
<p>This server has no dashboard files. In the Slipway checkout run <code>npm run build:web</code>
(or start the server with <code>npm start</code>, which builds it first), then reload this page.</p>
<p>The API works without it: <code>slipway get clusters</code>.</p>
</body></html>
`;
}

/**
 * Serve the dashboard from `opts.root` on `app`. Returns what the not-found handler needs
 * for the pages (and authentication for skipping them).
 */
export async function registerDashboardRoutes(
  app: FastifyInstance,
  opts: DashboardOptions,
): Promise<Dashboard> {
  let indexHtml: string | undefined;
  try {
    indexHtml = await readFile(join(opts.root, 'index.html'), 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (indexHtml !== undefined) {
    await app.register(async (scope) => {
      // Static files are public: the page must load before anyone signs in.
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, public: true };
      });
      await scope.register(fastifyStatic, {
        root: opts.root,
        prefix: '/',
        // One route per file found now, so an unknown path still reaches the not-found
        // handler (API Status 404, or index.html for dashboard paths).
        wildcard: false,
        setHeaders: setFileHeaders,
      });
    });
  }
  const page = indexHtml;
  return {
    isPage(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = req.url.split('?')[0] ?? req.url;
      // A missing asset (an old hash after a rebuild) is a 404, not the app.
      return !isApiPath(path) && !path.startsWith('/assets/');
    },
    servePage(req, reply) {
      if (page !== undefined) return reply.code(200).headers(pageHeaders).send(page);
      reply.code(503).header('retry-after', '60');
      if (req.headers.accept?.includes('text/html')) {
        return reply.header('content-type', 'text/html; charset=utf-8').send(notBuiltPage());
      }
      return reply.send(
        failureStatus(new SlipwayError(StatusReason.ServiceUnavailable, notBuiltMessage)),
      );
    },
  };
}
