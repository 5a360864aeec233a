// One simulated cluster's API on a listener of its own, as a real K3s server serves it:
// at https://<node address>:6443 (or a VIP) with no path prefix, presenting a serving
// certificate signed by the cluster's server CA for that address, and checking client
// certificates against the cluster's client CA. Used by emulators whose guests are the
// cluster's nodes (src/emulators/proxmox); the shared listener (server.ts) is unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import { handleClusterRequest, isUnauthenticatedPath } from './cluster-routes.ts';
import { readRequestBody, sendError, unauthorized } from './http.ts';
import type { PersistentSimClusterRegistry } from './registry.ts';
import { issueServingCertificate, k3sServingNames } from './serving-cert.ts';
import { WatchRegistry } from './watch-route.ts';

export interface ClusterListenerOptions {
  registry: PersistentSimClusterRegistry;
  /** Registry id of the cluster to serve. */
  clusterId: string;
  /** Address to listen on (a loopback address in tests), also put in the certificate. */
  host: string;
  /** Port (K3s: 6443); 0 picks a free one. */
  port: number;
  /** More DNS names and addresses for the certificate (VIP, tls-san). */
  names?: readonly string[];
  now?: () => Date;
}

export interface ClusterListener {
  /** `https://<host>:<port>`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serve cluster `clusterId` at `host:port`. Rejects when the cluster does not exist or
 * the address cannot be bound (EADDRINUSE, EADDRNOTAVAIL).
 *
 * @example
 * const listener = await serveClusterAt({ registry, clusterId: 'pve/3f2a…', host: '127.0.10.10', port: 6443 });
 * // kubeconfig: server https://127.0.10.10:6443, certificate-authority-data = the server CA
 */
export async function serveClusterAt(options: ClusterListenerOptions): Promise<ClusterListener> {
  const { registry, clusterId, host } = options;
  const now = options.now ?? (() => new Date());
  const init = registry.getCluster(clusterId);
  if (!init) throw new Error(`simulated cluster ${clusterId} does not exist`);
  const serving = await issueServingCertificate({
    caCert: init.serverCA.cert,
    caKey: init.serverCA.key,
    commonName: 'k3s',
    names: [...new Set([host, ...(options.names ?? []), ...k3sServingNames])],
    now: now(),
  });
  const watches = new WatchRegistry();
  const server: Server = createServer({
    cert: serving.cert,
    key: serving.key,
    ca: init.clientCA.cert,
    // Requests without a valid client certificate still reach HTTP, to answer 401 as K3s does.
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: [],
  });
  server.on('tlsClientError', () => {});
  server.keepAliveTimeout = 90_000;
  let port = options.port;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    const path = url.pathname;
    if (!registry.isServing(clusterId)) {
      throw new SlipwayError(
        StatusReason.ServiceUnavailable,
        `the API server of simulated cluster ${clusterId} is not serving`,
      );
    }
    const socket = req.socket as TLSSocket;
    if (!socket.authorized && !isUnauthenticatedPath(path)) throw unauthorized();
    const body = await readRequestBody(req);
    handleClusterRequest({
      registry,
      clusterId,
      req,
      res,
      body,
      path,
      query: url.searchParams,
      serverAddress: `${host}:${port}`,
      now,
      watches,
    });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        watches.endAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
