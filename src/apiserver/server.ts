// The API server: Fastify with Kubernetes-style routes. Every request passes the same
// stages in order, each in its own module:
//   authentication (authn.ts) → authorization (authz.ts) → body decoding (body.ts)
//   → admission (admission/) → store
// and every failure, Fastify's own included, answers a Kubernetes Status (status.ts).
// The caller owns listening and closing; nothing here starts at import time.
import { fastifyCookie } from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  SlipwayError,
  Group,
  StatusReason,
  isSlipwayError,
  kinds as allKinds,
  type KindDefinition,
} from '../api/index.ts';
import type { AuditLog } from '../audit/types.ts';
import type { OidcLogin } from '../identity/oidc.ts';
import type { Store } from '../store/types.ts';
import { createAdmission } from './admission/pipeline.ts';
import { AdmissionLocks } from './admission/quota.ts';
import { registerApiTokenIssuing } from './api-token-issuing.ts';
import { registerAuditHooks } from './audit.ts';
import type { ObjectLookup } from './admission/types.ts';
import type { Authenticator, UserInfo } from './authn.ts';
import { forbiddenMessage, type Authorizer, type RequestAttributes } from './authz.ts';
import { decodeBody, defaultBodyLimitBytes } from './body.ts';
import { csrfHook } from './csrf.ts';
import { rbacAuthorizer } from './rbac/authorizer.ts';
import { ProjectIndex } from './rbac/project-index.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerOidcRoutes } from './routes/oidc.ts';
import { registerAuthRoutes, type IdentityServices } from './routes/auth.ts';
import {
  registerDashboardRoutes,
  type Dashboard,
  type DashboardOptions,
} from './routes/dashboard.ts';
import { registerDiscoveryRoutes, type VersionInfo } from './routes/discovery.ts';
import { registerResourceRoutes } from './routes/resources.ts';
import { registerMetricsRoute, type MetricsSource } from './routes/metrics.ts';
import { closeActiveWatches, type ActiveWatch } from './routes/watch.ts';
import { resourceRoutes, verbOf, type ResourceParams } from './routes/target.ts';
import { failureStatus, toSlipwayError } from './status.ts';

export interface ApiServerOptions {
  store: Store;
  authenticate: Authenticator;
  /** Defaults to `rbacAuthorizer` (RBAC over projects, docs/rbac.md). */
  authorize?: Authorizer;
  /** Project memberships; default one built, started and stopped with the server. */
  projects?: ProjectIndex;
  /** A pino logger, or false (the default) for none. Authorization headers are redacted. */
  logger?: Logger | false;
  /** Largest accepted request body; default 3 MiB, as Kubernetes. Larger bodies answer 413. */
  bodyLimitBytes?: number;
  /** Served at /version. */
  version?: VersionInfo;
  /** Serve HTTPS with this PEM certificate and key (see tls.ts); plain HTTP without. */
  https?: { cert: string; key: string };
  /** Kinds to serve; defaults to every kind in the registry. */
  kinds?: readonly KindDefinition[];
  /** Interval of BOOKMARK events on watches that allow them; default 60 s. */
  watchBookmarkIntervalMs?: number;
  /** Served at /metrics (a prom-client Registry). */
  metrics?: MetricsSource;
  /** Whether this replica runs the controllers (leader election), for `/readyz?verbose`. */
  leading?: () => boolean;
  /** Serve the web dashboard built into this folder at `/` (routes/dashboard.ts). */
  dashboard?: DashboardOptions;
  /** Record mutating requests, Secret and kubeconfig reads and logins here (audit.ts), and serve them to admins. */
  audit?: AuditLog;
  /** Users, sessions and API tokens (src/identity): the /auth routes and API token issuing. */
  identity?: IdentityServices;
  /** OIDC login (/auth/oidc/login and /callback); its sessions are `identity`'s. */
  oidc?: OidcLogin;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; undefined only on public routes. */
    user: UserInfo | undefined;
  }
  interface FastifyContextConfig {
    /** Answer without authentication (health and version). */
    public?: boolean;
  }
}

const resourceRouteUrls = new Set<string>(resourceRoutes);

function redactingLogger(logger: Logger): Logger {
  // Fastify logs no headers by default; this guards against a caller's serializers that do.
  return logger.child(
    {},
    {
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-csrf-token"]',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
  );
}

export async function buildApiServer(opts: ApiServerOptions): Promise<FastifyInstance> {
  const kinds = opts.kinds ?? allKinds;
  const bodyLimit = opts.bodyLimitBytes ?? defaultBodyLimitBytes;
  const projects = opts.projects ?? new ProjectIndex({ store: opts.store });
  const authorize = opts.authorize ?? rbacAuthorizer({ projects, store: opts.store });
  const options = {
    bodyLimit,
    // Names may be 253 characters; find-my-way's default of 100 would turn them into 404s.
    routerOptions: { maxParamLength: 512 },
    ...(opts.logger ? { loggerInstance: redactingLogger(opts.logger) } : { logger: false }),
  };
  // The https variant only changes the type of `app.server`; callers see a FastifyInstance either way.
  const app = (opts.https
    ? Fastify({ ...options, https: opts.https })
    : Fastify(options)) as unknown as FastifyInstance;

  app.decorateRequest('user', undefined);
  // Cookies (sessions, OIDC logins). Also loads the cookie codec that the plugin's static
  // fastifyCookie.parse/serialize use: without this registration they throw.
  await app.register(fastifyCookie);
  app.decorateRequest('readFilter', undefined);
  app.decorate('projects', projects);
  if (!opts.projects) app.addHook('onClose', () => projects.stop());
  let dashboard: Dashboard | undefined;
  // Dashboard pages (no route matched, not an API path) are public, as its files are.
  const isDashboardPage = (req: FastifyRequest) => req.is404 && dashboard?.isPage(req) === true;
  // Before authentication, so that refused requests are recorded too.
  if (opts.audit) registerAuditHooks(app, opts.audit);
  app.addHook('onRequest', authenticationHook(opts.authenticate, isDashboardPage));
  app.addHook('onRequest', csrfHook());
  app.addHook('onRequest', authorizationHook(authorize));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    try {
      done(null, decodeBody(req.method, req.headers['content-type'], body as string));
    } catch (err: unknown) {
      done(err instanceof Error ? err : new Error(String(err)), undefined);
    }
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    const failure = toSlipwayError(err, bodyLimit);
    if (failure.reason === StatusReason.InternalError) req.log.error({ err }, 'request failed');
    if (failure.reason === StatusReason.Unauthorized)
      reply.header('www-authenticate', 'Bearer realm="slipway"');
    return reply.code(failure.code).send(failureStatus(failure));
  });
  app.setNotFoundHandler((req, reply) => {
    if (dashboard && isDashboardPage(req)) return dashboard.servePage(req, reply);
    const path = req.url.split('?')[0] ?? req.url;
    const failure = new SlipwayError(
      StatusReason.NotFound,
      `the server could not find the requested resource (${req.method} ${path})`,
    );
    return reply.code(404).send(failureStatus(failure));
  });

  const activeWatches = new Set<ActiveWatch>();
  // End watch streams before the listener closes: the listener then closes their idle
  // connections at once instead of waiting for them (or for the keep-alive timeout).
  app.addHook('preClose', () => closeActiveWatches(activeWatches));

  registerDiscoveryRoutes(app, {
    store: opts.store,
    kinds,
    version: opts.version ?? { version: '0.0.0-dev' },
    ...(opts.leading ? { leading: opts.leading } : {}),
  });
  if (opts.metrics) registerMetricsRoute(app, opts.metrics);
  if (opts.audit) registerAuditRoutes(app, opts.audit);
  if (opts.oidc) {
    if (!opts.identity) throw new Error('OIDC login needs the identity services (sessions)');
    registerOidcRoutes(app, {
      login: opts.oidc,
      sessions: opts.identity.sessions,
      store: opts.store,
    });
  }
  if (opts.identity) {
    registerAuthRoutes(app, {
      ...opts.identity,
      store: opts.store,
      projectRolesOf: (user) => projects.membershipsOf(user),
    });
    registerApiTokenIssuing(app, opts.identity.tokens);
  }
  registerResourceRoutes(app, {
    store: opts.store,
    admission: createAdmission(kinds, {
      lookup: storeLookup(opts.store),
      projectOf: (namespace) => storeLookup(opts.store)('Project', undefined, namespace),
      list: async (kind, namespace) => (await opts.store.list(kind, { namespace })).items,
    }),
    admissionLocks: new AdmissionLocks(),
    active: activeWatches,
    bookmarkIntervalMs: opts.watchBookmarkIntervalMs ?? 60_000,
  });
  if (opts.dashboard) dashboard = await registerDashboardRoutes(app, opts.dashboard);
  await app.ready();
  return app;
}

/** Admission's view of the store: an object, or undefined when there is none. */
function storeLookup(store: Store): ObjectLookup {
  return async (kind, namespace, name) => {
    try {
      return await store.get(kind, namespace, name);
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  };
}

function authenticationHook(
  authenticate: Authenticator,
  isPublicPage: (req: FastifyRequest) => boolean,
) {
  return async (req: FastifyRequest): Promise<void> => {
    if (req.routeOptions.config.public === true || isPublicPage(req)) return;
    const user = await authenticate(req);
    if (user === undefined) throw new SlipwayError(StatusReason.Unauthorized, 'Unauthorized');
    req.user = user;
  };
}

function authorizationHook(authorize: Authorizer) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const user = req.user;
    if (user === undefined) return; // public route
    const attrs = requestAttributes(req);
    const decision = await authorize(user, attrs);
    if (!decision.allowed)
      throw new SlipwayError(
        StatusReason.Forbidden,
        forbiddenMessage(user, attrs, decision.reason),
      );
    req.readFilter = decision.filter;
  };
}

const methodVerbs = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
} as const;

/** Derived from the URL alone, as Kubernetes' RequestInfo: authorization must not depend on the body. */
function requestAttributes(req: FastifyRequest): RequestAttributes {
  const path = req.url.split('?')[0] ?? req.url;
  if (!resourceRouteUrls.has(req.routeOptions.url ?? ''))
    return { resourceRequest: false, verb: 'get', path };
  const params = req.params as ResourceParams;
  const query = req.query as Record<string, unknown>;
  const watch = query['watch'] === 'true' || query['watch'] === '1';
  const verb =
    verbOf(req.method, params, watch) ??
    methodVerbs[req.method as keyof typeof methodVerbs] ??
    'get';
  const attrs: RequestAttributes = {
    resourceRequest: true,
    verb,
    apiGroup: Group,
    resource: params.plural,
  };
  if (params.subresource !== undefined) attrs.subresource = params.subresource;
  if (params.namespace !== undefined) attrs.namespace = params.namespace;
  if (params.name !== undefined) attrs.name = params.name;
  return attrs;
}
