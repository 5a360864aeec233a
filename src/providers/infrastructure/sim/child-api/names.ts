// How a simulated child cluster is addressed on the one shared loopback listener: a
// path prefix per cluster and a TLS server name per cluster (SNI picks the serving
// certificate signed by that cluster's own server CA).

/** DNS suffix of every simulated cluster's TLS server name. */
export const simDomain = 'sim.slipway.internal';

/** Registry id of a cluster: `namespace/name` of its ClusterDeployment. */
export function simClusterId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** `{ namespace, name }` of a registry id, or undefined when it is not `namespace/name`. */
export function parseSimClusterId(id: string): { namespace: string; name: string } | undefined {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1 || id.indexOf('/', slash + 1) >= 0) return undefined;
  return { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** Path prefix of a cluster's API on the shared listener: `/clusters/<namespace>/<name>`. */
export function simPathPrefix(namespace: string, name: string): string {
  return `/clusters/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/**
 * TLS server name of a cluster: `<name>.<namespace>.sim.slipway.internal`. Namespaces
 * are DNS-1123 labels (no dots), so the label before the suffix is always the
 * namespace and everything before it the name, even when the name has dots.
 */
export function simTlsServerName(namespace: string, name: string): string {
  return `${name}.${namespace}.${simDomain}`;
}

/** The cluster id a TLS server name stands for, or undefined when it is not a sim name. */
export function clusterIdFromServerName(serverName: string): string | undefined {
  const lower = serverName.toLowerCase();
  const suffix = `.${simDomain}`;
  if (!lower.endsWith(suffix)) return undefined;
  const rest = lower.slice(0, -suffix.length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0 || dot === rest.length - 1) return undefined;
  return simClusterId(rest.slice(dot + 1), rest.slice(0, dot));
}
