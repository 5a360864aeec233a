// The simulated child clusters' Kubernetes API: ONE HTTPS listener on loopback for all
// of them. A cluster is reached under `/clusters/<namespace>/<name>` with the TLS
// server name `<name>.<namespace>.sim.slipway.internal`; SNI picks a serving
// certificate signed by that cluster's server CA, and the client certificate is checked
// against that cluster's client CA, as K3s does with the CAs Slipway generated.
// Like K3s with anonymous auth off, everything but /ping and /cacerts needs a client
// certificate (401 otherwise). A cluster with no Ready control-plane node is down: its
// TLS handshakes fail, as connections to a dead API server would.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import type { SimClusterInit } from '../child-cluster-types.ts';
import { handleClusterRequest, isUnauthenticatedPath } from './cluster-routes.ts';
import { pathNotFound, readRequestBody, sendError, sendText, unauthorized } from './http.ts';
import {
  clusterIdFromServerName,
  parseSimClusterId,
  simClusterId,
  simDomain,
  simPathPrefix,
  simTlsServerName,
} from './names.ts';
import type { PersistentSimClusterRegistry } from './registry.ts';
import {
  createSelfSignedCertificate,
  issueServingCertificate,
  k3sServingNames,
} from './serving-cert.ts';
import { WatchRegistry } from './watch-route.ts';

export interface SimChildApiOptions {
  registry: PersistentSimClusterRegistry;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Injected clock (ages in tables, certificate validity). */
  now?: () => Date;
}

/** Where a cluster's API is, in the shape of ClusterEndpoint (providers/bootstrap/types.ts). */
export interface SimChildApiEndpoint {
  host: string;
  port: number;
  pathPrefix: string;
  tlsServerName: string;
}

export interface SimChildApi {
  /** `https://<host>:<port>` of the listener. */
  url: string;
  port: number;
  /** The endpoint of cluster `namespace/name` (kubeconfig server = url + pathPrefix). */
  endpointFor(namespace: string, name: string): SimChildApiEndpoint;
  /** Stop listening, end watch streams and drop connections. */
  close(): Promise<void>;
}

function fingerprint(init: SimClusterInit): string {
  return createHash('sha256')
    .update(init.serverCA.cert)
    .update('\0')
    .update(init.serverCA.key)
    .update('\0')
    .update(init.clientCA.cert)
    .digest('hex');
}

/** Per-cluster TLS contexts, made on first use and remade when the cluster's CAs change. */
class ClusterContexts {
  readonly #cache = new Map<string, { fingerprint: string; context: Promise<SecureContext> }>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  get(clusterId: string, init: SimClusterInit): Promise<SecureContext> {
    const print = fingerprint(init);
    const cached = this.#cache.get(clusterId);
    if (cached?.fingerprint === print) return cached.context;
    const id = parseSimClusterId(clusterId);
    const names = id
      ? [simTlsServerName(id.namespace, id.name), ...k3sServingNames]
      : [...k3sServingNames];
    const context = issueServingCertificate({
      caCert: init.serverCA.cert,
      caKey: init.serverCA.key,
      commonName: 'k3s',
      names,
      now: this.#now(),
    }).then((serving) =>
      createSecureContext({ cert: serving.cert, key: serving.key, ca: init.clientCA.cert }),
    );
    // A failure is not cached: the next handshake tries again.
    context.catch(() => this.#cache.delete(clusterId));
    this.#cache.set(clusterId, { fingerprint: print, context });
    return context;
  }
}

/**
 * Start the simulated clusters' API server.
 *
 * @example
 * const api = await startSimChildApi({ registry });
 * const endpoint = api.endpointFor('default', 'demo');
 * // kubeconfig: server `${api.url}${endpoint.pathPrefix}`, tls-server-name endpoint.tlsServerName
 */
export async function startSimChildApi(options: SimChildApiOptions): Promise<SimChildApi> {
  const { registry } = options;
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const contexts = new ClusterContexts(now);
  const watches = new WatchRegistry();
  const fallback = await createSelfSignedCertificate(simDomain, [simDomain, 'localhost', host]);

  const server: Server = createServer({
    cert: fallback.cert,
    key: fallback.key,
    // Verified per cluster: SNI selects a context whose `ca` is that cluster's client CA.
    // Requests without a valid certificate still reach HTTP, to answer 401 as K3s does.
    requestCert: true,
    rejectUnauthorized: false,
    // No ALPN: every connection would copy the protocol list into its own small Buffer,
    // which pins a whole 64 KiB allocation pool slab for as long as the connection
    // lives (64 MiB for a thousand clusters). Clients then speak HTTP/1.1, as they
    // would with ['http/1.1'].
    ALPNProtocols: [],
    SNICallback: (serverName, callback) => {
      const clusterId = clusterIdFromServerName(serverName);
      if (!clusterId) {
        callback(null, undefined);
        return;
      }
      const init = registry.getCluster(clusterId);
      if (!init || !registry.isServing(clusterId)) {
        callback(new Error(`simulated cluster ${clusterId} is not serving`), undefined);
        return;
      }
      contexts.get(clusterId, init).then(
        (context) => callback(null, context),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), undefined),
      );
    },
  });
  // Handshakes refused for clusters that are down are expected: no noise.
  server.on('tlsClientError', () => {});
  // Idle connections stay open 90 s, as kube-apiserver's do (Node's default is 5 s). The
  // Keep-Alive header tells clients so; otherwise controllers polling a cluster every
  // few seconds paid a TLS handshake (3 ms of CPU) for nearly every request.
  server.keepAliveTimeout = 90_000;

  let port = 0;
  const serverAddress = () => `${host}:${port}`;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    const socket = req.socket as TLSSocket;
    const sniCluster = socket.servername ? clusterIdFromServerName(socket.servername) : undefined;
    const prefixed = /^\/clusters\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const clusterId = prefixed
      ? simClusterId(decodeURIComponent(prefixed[1] ?? ''), decodeURIComponent(prefixed[2] ?? ''))
      : sniCluster;
    const path = prefixed ? (prefixed[3] ?? '/') : url.pathname;
    if (!clusterId) {
      if (path === '/ping') sendText(res, 200, 'pong');
      else throw pathNotFound();
      return;
    }
    if (!registry.isServing(clusterId)) {
      throw new SlipwayError(
        StatusReason.ServiceUnavailable,
        `the API server of simulated cluster ${clusterId} is not serving`,
      );
    }
    // The certificate was verified against the client CA of the cluster SNI named,
    // so it authenticates for that cluster only.
    const authenticated = socket.authorized && sniCluster === clusterId;
    if (!authenticated && !isUnauthenticatedPath(path)) throw unauthorized();
    const body = await readRequestBody(req);
    handleClusterRequest({
      registry,
      clusterId,
      req,
      res,
      body,
      path,
      query: url.searchParams,
      serverAddress: serverAddress(),
      now,
      watches,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    endpointFor: (namespace, name) => ({
      host,
      port,
      pathPrefix: simPathPrefix(namespace, name),
      tlsServerName: simTlsServerName(namespace, name),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        watches.endAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
