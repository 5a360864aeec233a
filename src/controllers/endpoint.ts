// The EndpointResolver the server uses: the simulated child API for `sim` clusters, and
// for every other provider the VIP when the cluster has one, else its first control plane.
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { ClusterEndpoint } from '../providers/bootstrap/types.ts';
import type { EndpointResolver } from './dependencies.ts';

/** The port K3s (and Kubernetes) serves its API on. */
export const kubernetesAPIPort = 6443;

export interface EndpointResolverOptions {
  /** Where the simulated child API serves a `sim` cluster. */
  sim?: (cluster: ClusterDeployment) => ClusterEndpoint;
}

/**
 * @example
 * const resolve = createEndpointResolver({ sim: (c) => childApi.endpointFor(ns(c), c.metadata.name) });
 * resolve('proxmox', cluster, { vip: '10.0.0.5' }) // { host: '10.0.0.5', port: 6443 }
 */
export function createEndpointResolver(options: EndpointResolverOptions = {}): EndpointResolver {
  return (provider, cluster, hints) => {
    if (provider === 'sim' && options.sim) return options.sim(cluster);
    const host = hints.vip ?? hints.firstControlPlaneAddress;
    return host !== undefined ? { host, port: kubernetesAPIPort } : undefined;
  };
}
