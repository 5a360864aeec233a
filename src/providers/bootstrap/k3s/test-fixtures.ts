// Shared by the K3s rendering tests: one cluster's secrets, values that touch every
// feature, and a render-then-validate helper that runs the real cloud-init.
import {
  validateMetaData,
  validateNetworkConfig,
  validateUserData,
} from '../cloud-init/validator.ts';
import type { MachineBootstrapInput } from '../types.ts';
import { createK3sBootstrapProvider } from './provider.ts';
import { readK3sUserData } from './read-user-data.ts';

export const provider = createK3sBootstrapProvider({ now: () => new Date('2026-03-01T12:00:00Z') });
export const secretsPromise = provider.generateClusterSecrets({
  clusterName: 'demo',
  namespace: 'team-a',
});

export const values = {
  workersNumber: 3, // another consumer's value: passes through
  k3s: {
    disable: ['traefik', 'servicelb'],
    clusterCIDR: '10.42.0.0/16',
    serviceCIDR: '10.43.0.0/16',
    secretsEncryption: true,
    nodeLabels: { 'slipway.dev/pool': 'default', 'topology.kubernetes.io/zone': 'on' },
    controlPlane: { nodeTaints: ['node-role.kubernetes.io/control-plane=true:NoSchedule'] },
    workers: { nodeLabels: { 'node.kubernetes.io/role': 'worker' } },
    extraArgs: {
      server: { 'kube-apiserver-arg': ['audit-log-maxage=30'], 'etcd-snapshot-retention': 5 },
      agent: { 'kubelet-arg': ['max-pods=200'] },
    },
  },
  files: [
    {
      path: '/etc/rancher/k3s/registries.yaml',
      content: 'mirrors:\n  docker.io:\n    endpoint: ["https://mirror.local"]\n',
      permissions: '600',
    },
    {
      path: '/opt/blob',
      content: Buffer.from([0, 1, 2, 255]).toString('base64'),
      encoding: 'b64',
      defer: true,
    },
  ],
  preCommands: ['echo "pre: on"'],
  postCommands: ["echo 'post'"],
};

export async function input(
  overrides: Partial<MachineBootstrapInput> = {},
): Promise<MachineBootstrapInput> {
  return {
    clusterName: 'demo',
    namespace: 'team-a',
    machineName: 'demo-cp-x7k2p',
    machineUID: '6f1c2b1e-0d7a-4a51-9d7e-0c8f2f1a9b3c',
    role: 'control-plane',
    initialize: true,
    version: 'v1.31.4+k3s1',
    endpoint: { host: '10.0.0.10', port: 6443, tlsServerName: 'demo.team-a.k3s.local' },
    secrets: await secretsPromise,
    values,
    ...overrides,
  };
}

export async function renderChecked(machine: MachineBootstrapInput) {
  const rendered = await provider.renderMachineBootstrap(machine);
  const [, , network] = await Promise.all([
    validateUserData(rendered.userData),
    validateMetaData(rendered.metaData),
    rendered.networkConfig ? validateNetworkConfig(rendered.networkConfig) : undefined,
  ]);
  return { rendered, reading: readK3sUserData(rendered.userData), network };
}
