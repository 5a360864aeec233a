// The composition root: the one place that wires store, garbage collector, compactor,
// API server and the control plane (controllers and providers, src/control-plane.ts)
// together. Nothing else constructs these; nothing runs at import time.
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { kinds } from './api/registry.ts';
import {
  apiTokenAuthenticator,
  bearerTokenAuthenticator,
  ensureAdminToken,
  firstAuthenticator,
  sessionAuthenticator,
} from './apiserver/authn.ts';
import { buildApiServer } from './apiserver/server.ts';
import { openSqliteAuditLog } from './audit/sqlite-audit-log.ts';
import { ensureServingCertificate } from './apiserver/tls.ts';
import { startControlPlane, type ControlPlaneOptions } from './control-plane.ts';
import { seedDemo } from './demo/seed.ts';
import { createMetrics } from './metrics/registry.ts';
import { instrumentStore } from './metrics/store-instrumentation.ts';
import { openStoreBackend, type StoreBackendOptions } from './store-backend.ts';
import type { LatencyProfileName } from './providers/infrastructure/sim/latency.ts';
import { startIdentity } from './identity/identity.ts';
import { OidcLogin, oidcSettings, type OidcServerOptions } from './identity/oidc.ts';
import { Compactor } from './store/compactor.ts';
import { GarbageCollector } from './store/garbage-collector.ts';

export interface ServerOptions {
  dataDir: string;
  /** `HOST:PORT`; port 0 picks a free port. */
  listen: string;
  /** The store: embedded SQLite in the data directory (default), or etcd. */
  store?: StoreBackendOptions;
  /** Serve plain HTTP; allowed only on loopback addresses. */
  insecureHttp?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  logger?: Logger;
  /** Publish the demo Credential and ClusterTemplates on the simulated provider. */
  demo?: boolean;
  /** Latency profile of the simulated hypervisor (default `fast`). */
  simLatency?: LatencyProfileName;
  /** Port of the simulated child clusters' API on 127.0.0.1 (default: any free port). */
  simApiPort?: number;
  /** Folder of the built web dashboard (default web/dist of this checkout; `npm run build:web`). */
  dashboardDir?: string;
  /** Offer OIDC login (docs/identity.md); `name` labels the dashboard's button. */
  oidc?: OidcServerOptions & { name?: string };
  /** Controller tunables (tests shorten the poll intervals). */
  controllers?: Pick<ControlPlaneOptions, 'clusterSettings' | 'machineSettings' | 'manager'>;
}

export interface RunningServer {
  /** Base URL clients use, e.g. `https://127.0.0.1:6443`. */
  url: string;
  adminTokenPath: string;
  /** Where the first admin's password is kept (DATA/admin.password). */
  adminPasswordPath: string;
  /** The first admin's password, only on the start that created it: print it once, never log it. */
  firstAdminPassword?: string;
  /** SHA-256 fingerprint of the serving certificate (absent with --insecure-http). */
  certificateFingerprint?: string;
  /** Demo objects created at this start (empty without --demo or when they existed). */
  demoObjectsCreated: string[];
  /** URL of the simulated child clusters' API. */
  simApiUrl: string;
  close(): Promise<void>;
}

/** Split `HOST:PORT` (IPv6 as `[::1]:6443`) and check both halves. */
export function parseListenAddress(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--listen: "${listen}" is not HOST:PORT (e.g. 127.0.0.1:6443)`);
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { host, port } = parseListenAddress(opts.listen);
  if (opts.insecureHttp && !isLoopback(host)) {
    throw new Error(
      `--insecure-http is allowed only on a loopback address (127.0.0.1, ::1, localhost), not "${host}"`,
    );
  }
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) {
    throw new Error('--tls-cert and --tls-key must be given together');
  }
  // Read and checked before anything is opened: a bad option fails the start at once.
  const oidcOptions = opts.oidc
    ? await oidcSettings(opts.oidc, predictedUrl(host, port, !opts.insecureHttp))
    : undefined;
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logger = opts.logger ?? pino({ level: process.env['SLIPWAY_LOG_LEVEL'] ?? 'info' });

  const metrics = createMetrics();
  const backend = await openStoreBackend(opts.store ?? { kind: 'sqlite' }, dataDir, logger);
  const store = instrumentStore(backend.store, metrics);
  const gc = new GarbageCollector({ store, kinds, logger: logger.child({ component: 'gc' }) });
  const compactor = new Compactor({ store, logger: logger.child({ component: 'compactor' }) });
  const demoObjectsCreated = opts.demo ? await seedDemo(store) : [];
  const adminToken = await ensureAdminToken(dataDir);
  const identityLogger = logger.child({ component: 'identity' });
  const identity = await startIdentity({
    store,
    dataDir,
    onError: (err) => identityLogger.error({ err }, 'session sweep failed'),
  });
  const auditLogger = logger.child({ component: 'audit' });
  const audit = await openSqliteAuditLog({
    dataDir,
    onError: (err, context) => auditLogger.error({ err }, context),
  });

  const tls = opts.insecureHttp
    ? undefined
    : opts.tlsCert && opts.tlsKey
      ? await readTlsFiles(opts.tlsCert, opts.tlsKey)
      : await ensureServingCertificate(dataDir, [host]);
  const oidc = oidcOptions ? await OidcLogin.discover(oidcOptions, store) : undefined;

  // The API server starts before the controllers; it asks the manager once there is one.
  let controllersLeading = (): boolean => false;
  const app = await buildApiServer({
    store,
    leading: () => controllersLeading(),
    authenticate: firstAuthenticator(
      bearerTokenAuthenticator(adminToken),
      apiTokenAuthenticator(identity.tokens),
      sessionAuthenticator(identity.sessions, store),
    ),
    identity: oidc
      ? { ...identity, oidc: { enabled: true, name: opts.oidc?.name ?? 'Single sign-on' } }
      : identity,
    ...(oidc ? { oidc } : {}),
    logger: logger.child({ component: 'apiserver' }),
    version: { version: await packageVersion() },
    metrics: metrics.registry,
    dashboard: { root: opts.dashboardDir ?? defaultDashboardDir },
    audit,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  });
  await gc.start();
  compactor.start();
  const controlPlane = await startControlPlane({
    store,
    dataDir,
    logger,
    metrics,
    leaderElector: backend.leaderElector,
    simLatency: opts.simLatency ?? 'fast',
    ...(opts.simApiPort !== undefined ? { simApiPort: opts.simApiPort } : {}),
    ...opts.controllers,
  });
  controllersLeading = () => controlPlane.manager.leading;
  metrics.trackLeadership(() => controllersLeading());
  await app.listen({ host, port });

  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${urlHost}:${boundPort}`;

  let closed = false;
  return {
    url,
    adminTokenPath: resolve(dataDir, 'admin.token'),
    adminPasswordPath: identity.firstAdmin.passwordPath,
    ...(identity.firstAdmin.password !== undefined
      ? { firstAdminPassword: identity.firstAdmin.password }
      : {}),
    ...(tls?.fingerprint ? { certificateFingerprint: tls.fingerprint } : {}),
    demoObjectsCreated,
    simApiUrl: controlPlane.childApi.url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      identity.stop();
      await audit.close();
      await controlPlane.close();
      compactor.stop();
      await gc.stop();
      await store.close();
      await backend.close();
    },
  };
}

/** Where `npm run build:web` (scripts/build-web.ts) writes the dashboard. */
const defaultDashboardDir = fileURLToPath(new URL('../web/dist/', import.meta.url));

/** The URL browsers will use, when the listen address tells it (not port 0, not 0.0.0.0/::). */
function predictedUrl(host: string, port: number, https: boolean): string | undefined {
  if (port === 0 || host === '0.0.0.0' || host === '::' || host === '') return undefined;
  return `${https ? 'https' : 'http'}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

async function readTlsFiles(certPath: string, keyPath: string) {
  return {
    cert: await readFile(certPath, 'utf8'),
    key: await readFile(keyPath, 'utf8'),
    fingerprint: undefined,
  };
}

/** The package version, for `/version`. */
async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0-dev';
}
