// The K3s bootstrap provider: the BootstrapProvider contract (../types.ts) for K3s.
import { hostnameFor } from '../cloud-init/cloud-config.ts';
import { instanceIdFor, renderMetaData } from '../cloud-init/meta-data.ts';
import {
  defaultInterfaceName,
  renderNetworkConfig,
  type NetworkConfigInput,
} from '../cloud-init/network-config.ts';
import type { BootstrapProvider, MachineBootstrapInput, RenderedBootstrap } from '../types.ts';
import { buildK3sConfig } from './k3s-config.ts';
import { defaultKubeVipImage, renderKubeVipManifest } from './kube-vip.ts';
import { renderK3sAdminKubeconfig } from './kubeconfig.ts';
import { caPair, generateK3sPKI } from './pki.ts';
import { assertTokenMatchesCA, generateK3sToken } from './token.ts';
import { renderK3sUserData } from './user-data.ts';
import { K3sBootstrapValues, readK3sValues } from './values.ts';

/** The port K3s serves its API (and supervisor) on. */
const k3sAPIPort = 6443;

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
  const network = networkFor(input, values);
  const config = buildK3sConfig({
    role: input.role,
    initialize: input.initialize,
    nodeName: input.machineName,
    endpoint: input.endpoint,
    ...(input.controlPlaneVIP !== undefined ? { controlPlaneVIP: input.controlPlaneVIP } : {}),
    token: input.secrets.token,
    ...(network?.mode !== 'dhcp' && network?.address !== undefined
      ? { nodeIP: network.address }
      : {}),
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
    ...(input.controlPlaneVIP !== undefined && input.role === 'control-plane'
      ? {
          kubeVipManifest: renderKubeVipManifest({
            address: input.controlPlaneVIP,
            interfaceName:
              values.kubeVip?.interface ??
              network?.interfaceName ??
              values.guestNetwork?.interfaceName ??
              defaultInterfaceName,
            port: input.endpoint?.port ?? k3sAPIPort,
            image: values.kubeVip?.image ?? defaultKubeVipImage,
          }),
        }
      : {}),
  });
  const metaData = renderMetaData({ instanceId: instanceIdFor(input), hostname });
  if (!network) return { userData, metaData };
  return { userData, metaData, networkConfig: renderNetworkConfig(network) };
}

/** The NIC's network-config input: the machine's network, completed from the template values. */
function networkFor(
  input: MachineBootstrapInput,
  values: K3sBootstrapValues,
): NetworkConfigInput | undefined {
  if (!input.network) return undefined;
  const network: NetworkConfigInput = { ...input.network };
  const guest = values.guestNetwork;
  if (network.interfaceName === undefined && guest?.interfaceName !== undefined) {
    network.interfaceName = guest.interfaceName;
  }
  if (network.macAddress === undefined && guest?.matchDriver !== undefined) {
    network.matchDriver = guest.matchDriver;
  }
  return network;
}
