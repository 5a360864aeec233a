// Where a simulated child cluster's API lives, and how a simulated node tells which
// cluster a server URL names. All child clusters share one loopback HTTPS listener
// (child-api/): `https://127.0.0.1:<port>/clusters/<namespace>/<name>`, each presenting
// its own certificate for `<name>.<namespace>.sim.slipway.internal`.
import type { ClusterEndpoint } from '../../bootstrap/types.ts';

/** DNS suffix of the TLS server names of simulated clusters. */
export const simClusterDomain = 'sim.slipway.internal';

/** `<namespace>/<name>`: the id of a simulated cluster in the SimClusterRegistry. */
export function simClusterId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** `<name>.<namespace>.sim.slipway.internal`. */
export function simTlsServerName(namespace: string, name: string): string {
  return `${name}.${namespace}.${simClusterDomain}`;
}

/**
 * The endpoint of a simulated cluster behind the shared listener.
 *
 * @example
 *   simEndpointFor('team-a', 'demo', 'https://127.0.0.1:7443')
 *   // → { host: '127.0.0.1', port: 7443, pathPrefix: '/clusters/team-a/demo',
 *   //     tlsServerName: 'demo.team-a.sim.slipway.internal' }
 */
export function simEndpointFor(
  namespace: string,
  name: string,
  listenerUrl: string,
): ClusterEndpoint {
  const url = new URL(listenerUrl);
  if (url.protocol !== 'https:') throw new Error(`sim listener must be https: ${listenerUrl}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : 443;
  const base = url.pathname.replace(/\/+$/, '');
  return {
    host,
    port,
    pathPrefix: `${base}/clusters/${namespace}/${name}`,
    tlsServerName: simTlsServerName(namespace, name),
  };
}

/** The URL a node is given as K3s `server:` for a cluster endpoint (path prefix included). */
export function serverUrlOf(endpoint: ClusterEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `https://${host}:${endpoint.port}${endpoint.pathPrefix ?? ''}`;
}

/**
 * The cluster id a `<name>.<namespace>.sim.slipway.internal` host name stands for.
 * Namespaces are DNS labels, so the last label before the suffix is the namespace and
 * the rest (which may hold dots) the name, as child-api/names.ts reads it.
 */
export function simClusterIdFromHostName(hostName: string): string | undefined {
  const lower = hostName.toLowerCase();
  const suffix = `.${simClusterDomain}`;
  if (!lower.endsWith(suffix)) return undefined;
  const rest = lower.slice(0, -suffix.length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0 || dot === rest.length - 1) return undefined;
  return simClusterId(rest.slice(dot + 1), rest.slice(0, dot));
}

/**
 * The cluster id a K3s server URL names: from a `/clusters/<namespace>/<name>` path, else
 * from a `<name>.<namespace>.sim.slipway.internal` host. Undefined when it names neither.
 */
export function simClusterIdFromServerUrl(serverUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return undefined;
  }
  const match = /\/clusters\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (match?.[1] && match[2]) {
    return simClusterId(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
  }
  return simClusterIdFromHostName(url.hostname);
}
