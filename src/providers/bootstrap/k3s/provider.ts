// The K3s bootstrap provider: the BootstrapProvider contract (../types.ts) for K3s.
import { hostnameFor } from '../cloud-init/cloud-config.ts';
import { instanceIdFor, renderMetaData } from '../cloud-init/meta-data.ts';
import { renderNetworkConfig, type StaticNetwork } from '../cloud-init/network-config.ts';
import type { BootstrapProvider, MachineBootstrapInput, RenderedBootstrap } from '../types.ts';
import { buildK3sConfig } from './k3s-config.ts';
import { renderK3sAdminKubeconfig } from './kubeconfig.ts';
import { caPair, generateK3sPKI } from './pki.ts';
import { assertTokenMatchesCA, generateK3sToken } from './token.ts';
import { renderK3sUserData } from './user-data.ts';
import { K3sBootstrapValues, readK3sValues } from './values.ts';

export const k3sDistribution = 'k3s';

export interface K3sBootstrapProviderOptions {
  /** The clock, for certificate validity; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * The K3s bootstrap provider.
 *
 * @example
 * const k3s = createK3sBootstrapProvider();
 * const secrets = await k3s.generateClusterSecrets({ clusterName: 'demo', namespace: 'team-a' });
 * const boot = await k3s.renderMachineBootstrap({ ...machine, secrets, values });
 */
export function createK3sBootstrapProvider(
  options: K3sBootstrapProviderOptions = {},
): BootstrapProvider {
  const now = options.now ?? (() => new Date());
  return {
    distribution: k3sDistribution,
    valuesSchema: K3sBootstrapValues,

    async generateClusterSecrets() {
      const pki = await generateK3sPKI(now());
      return { pki, token: generateK3sToken(caPair(pki, 'server-ca').cert) };
    },

    renderAdminKubeconfig(input) {
      return renderK3sAdminKubeconfig({
        clusterName: input.clusterName,
        endpoint: input.endpoint,
        secrets: input.secrets,
        now: now(),
      });
    },

    renderMachineBootstrap(input) {
      // Synchronous work, but the contract is async: failures arrive as rejections.
      return Promise.resolve().then(() => renderK3sMachine(input));
    },
  };
}

function renderK3sMachine(input: MachineBootstrapInput): RenderedBootstrap {
  const values = readK3sValues(input.values);
  assertTokenMatchesCA(input.secrets.token, caPair(input.secrets.pki, 'server-ca').cert);
  const hostname = hostnameFor(input.machineName);
  const config = buildK3sConfig({
    role: input.role,
    initialize: input.initialize,
    nodeName: input.machineName,
    endpoint: input.endpoint,
    token: input.secrets.token,
    ...(input.network ? { nodeIP: input.network.address } : {}),
    values,
  });
  const userData = renderK3sUserData({
    hostname,
    role: input.role,
    initialize: input.initialize,
    version: input.version,
    config,
    pki: input.secrets.pki,
    values,
  });
  const metaData = renderMetaData({ instanceId: instanceIdFor(input), hostname });
  if (!input.network) return { userData, metaData };
  const network: StaticNetwork = { ...input.network };
  const guest = values.guestNetwork;
  if (network.interfaceName === undefined && guest?.interfaceName !== undefined) {
    network.interfaceName = guest.interfaceName;
  }
  if (guest?.matchDriver !== undefined) network.matchDriver = guest.matchDriver;
  return { userData, metaData, networkConfig: renderNetworkConfig(network) };
}
