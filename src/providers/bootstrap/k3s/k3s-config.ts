// /etc/rancher/k3s/config.yaml for each role. Keys are K3s flag names. Servers render
// the cluster-wide keys from the same values in the same order, so the keys K3s insists
// on matching across servers ("critical configuration value mismatch") always do.
import { endpointNames, endpointURL } from '../endpoint.ts';
import { BootstrapError } from '../errors.ts';
import type { ClusterEndpoint } from '../types.ts';
import type { ConfigValue, K3sBootstrapValues } from './values.ts';

/**
 * Keys K3s requires to be identical on every server (docs `cli/server.md`, "critical
 * configuration"), among those Slipway can render.
 */
export const k3sServerMustMatchKeys = [
  'cluster-cidr',
  'service-cidr',
  'cluster-dns',
  'cluster-domain',
  'disable',
  'flannel-backend',
  'secrets-encryption',
  'egress-selector-mode',
  'agent-token',
  'disable-helm-controller',
  'disable-kube-proxy',
  'disable-network-policy',
  'flannel-ipv6-masq',
  'flannel-external-ip',
  'service-node-port-range',
  'embedded-registry',
] as const;

export type K3sConfig = Record<string, ConfigValue>;

export interface K3sConfigInput {
  role: 'control-plane' | 'worker';
  /** The first server: `cluster-init: true` instead of `server`. */
  initialize: boolean;
  nodeName: string;
  /** Absent only for the server that initialises the cluster (see MachineBootstrapInput). */
  endpoint: ClusterEndpoint | undefined;
  /** The control-plane VIP, named in every server's certificate. */
  controlPlaneVIP?: string;
  token: string;
  /** Static address of this machine (K3s `node-ip`). */
  nodeIP?: string;
  values: K3sBootstrapValues;
}

/** The config.yaml contents for one machine, keys in a stable order. */
export function buildK3sConfig(input: K3sConfigInput): K3sConfig {
  const k3s = input.values.k3s ?? {};
  const server = input.role === 'control-plane';
  const config: K3sConfig = {};
  if (server && input.initialize) config['cluster-init'] = true;
  else if (input.endpoint) config['server'] = endpointURL(input.endpoint);
  else {
    throw new BootstrapError(
      'InvalidInput',
      'a joining machine needs the control-plane endpoint to join',
    );
  }
  config['token'] = input.token;
  config['node-name'] = input.nodeName;
  if (input.nodeIP !== undefined) config['node-ip'] = input.nodeIP;
  if (server) Object.assign(config, clusterWideServerKeys(input));

  const roleSettings = server ? k3s.controlPlane : k3s.workers;
  const labels = { ...k3s.nodeLabels, ...roleSettings?.nodeLabels };
  const labelList = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  if (labelList.length > 0) config['node-label'] = labelList;
  const taints = [...new Set([...(k3s.nodeTaints ?? []), ...(roleSettings?.nodeTaints ?? [])])];
  if (taints.length > 0) config['node-taint'] = taints;

  for (const [key, value] of Object.entries(k3s.extraArgs?.[server ? 'server' : 'agent'] ?? {})) {
    config[key] = value;
  }
  return config;
}

/** What every server gets alike: serving-certificate names and cluster-wide settings. */
function clusterWideServerKeys(input: K3sConfigInput): K3sConfig {
  const k3s = input.values.k3s ?? {};
  const config: K3sConfig = {};
  config['tls-san'] = [
    ...new Set([
      ...(input.endpoint ? endpointNames(input.endpoint) : []),
      ...(input.controlPlaneVIP !== undefined ? [input.controlPlaneVIP] : []),
      ...(k3s.tlsSANs ?? []),
    ]),
  ];
  config['write-kubeconfig-mode'] = k3s.writeKubeconfigMode ?? '0600';
  if (k3s.clusterCIDR !== undefined) config['cluster-cidr'] = k3s.clusterCIDR;
  if (k3s.serviceCIDR !== undefined) config['service-cidr'] = k3s.serviceCIDR;
  if (k3s.clusterDNS !== undefined) config['cluster-dns'] = k3s.clusterDNS;
  if (k3s.clusterDomain !== undefined) config['cluster-domain'] = k3s.clusterDomain;
  if (k3s.flannelBackend !== undefined) config['flannel-backend'] = k3s.flannelBackend;
  if (k3s.secretsEncryption !== undefined) config['secrets-encryption'] = k3s.secretsEncryption;
  // The whole list must match on every server; every server renders it from the same values.
  if (k3s.disable && k3s.disable.length > 0) config['disable'] = [...k3s.disable];
  return config;
}
