// The control-plane endpoint as a URL, shared by kubeconfigs and join configuration.
import { isIP } from 'node:net';
import { BootstrapError } from './errors.ts';
import type { ClusterEndpoint } from './types.ts';

/**
 * `https://host:port[pathPrefix]`, with an IPv6 host in brackets. The path prefix is the
 * sim provider's (many child clusters on one listener); real endpoints have none.
 *
 * @example
 * endpointURL({ host: 'fd00::10', port: 6443 }) // 'https://[fd00::10]:6443'
 */
export function endpointURL(endpoint: ClusterEndpoint): string {
  const { host, port, pathPrefix } = endpoint;
  if (!host || /[\s/@?#[\]]/.test(host)) {
    throw new BootstrapError(
      'InvalidInput',
      'the control-plane endpoint host is empty or not a host name or address',
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BootstrapError(
      'InvalidInput',
      `the control-plane endpoint port ${port} is not a TCP port`,
    );
  }
  if (pathPrefix !== undefined && !/^(\/[A-Za-z0-9._~-]+)*\/?$/.test(pathPrefix)) {
    throw new BootstrapError(
      'InvalidInput',
      'the control-plane endpoint path prefix must be an absolute URL path',
    );
  }
  const shownHost = isIP(host) === 6 ? `[${host}]` : host;
  return `https://${shownHost}:${port}${(pathPrefix ?? '').replace(/\/$/, '')}`;
}

/** Names the API serving certificate must carry for this endpoint, without duplicates. */
export function endpointNames(endpoint: ClusterEndpoint): string[] {
  return [...new Set([endpoint.host, ...(endpoint.tlsServerName ? [endpoint.tlsServerName] : [])])];
}
