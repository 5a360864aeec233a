// What a Machine needs from around it: its cluster, provider, credential and boot
// data. Each piece is looked up fresh on every pass.
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { Machine } from '../api/kinds/machine.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import type {
  BootstrapProvider,
  ClusterEndpoint,
  MachineBootstrapNetwork,
} from '../providers/bootstrap/types.ts';
import type {
  BootstrapData,
  InfrastructureProvider,
  MachineNetwork,
  MachineRequest,
  ProviderCredential,
} from '../providers/infrastructure/types.ts';
import type { Store } from '../store/types.ts';
import { MachineAnnotations } from './cluster-deployment/machines.ts';
import { bootstrapSecretName } from './cluster-deployment/names.ts';
import { readClusterSecrets } from './cluster-deployment/secrets.ts';
import type {
  BootstrapProviders,
  EndpointResolver,
  InfrastructureProviders,
} from './dependencies.ts';
import { createOrGet, getIfExists, isControlledBy, Labels } from './objects.ts';
import { loadProviderCredential, resolveCredential, resolveTemplate } from './references.ts';
import { decodeSecretData, ownedSecret } from './secrets.ts';
import { mergeValues } from './values.ts';

/** Keys of the boot data in `<machine>-bootstrap`. */
export const BootstrapKeys = {
  userData: 'userData',
  metaData: 'metaData',
  networkConfig: 'networkConfig',
} as const;

export type Lookup<T> = { ok: true; value: T } | { ok: false; reason: string; message: string };

const missing = <T>(reason: string, message: string): Lookup<T> => ({ ok: false, reason, message });

export function bootstrapSecretNameOf(machine: Machine): string {
  return machine.spec.bootstrap?.dataSecretName ?? bootstrapSecretName(machine.metadata.name);
}

/** The infrastructure provider the machine runs on: as recorded on it, else its template's. */
export async function machineProvider(
  store: Store,
  registry: InfrastructureProviders,
  machine: Machine,
): Promise<Lookup<InfrastructureProvider>> {
  const namespace = machine.metadata.namespace ?? '';
  let name = machine.metadata.annotations?.[MachineAnnotations.provider];
  if (!name && machine.spec.template) {
    name = (await resolveTemplate(store, namespace, machine.spec.template))?.spec.provider;
  }
  if (!name) {
    return missing(
      'WaitingForInfrastructure',
      `cannot tell the provider of machine ${machine.metadata.name}: its template ${machine.spec.template ?? '(none)'} does not exist`,
    );
  }
  const provider = registry.get(name);
  if (!provider)
    return missing(
      'ProviderError',
      `infrastructure provider "${name}" is not known to this server`,
    );
  return { ok: true, value: provider };
}

/**
 * The credential as the provider takes it: the cluster's, else (the cluster being gone)
 * the one recorded on the machine when it was made.
 */
export async function machineCredential(
  store: Store,
  machine: Machine,
  cluster: ClusterDeployment | undefined,
): Promise<Lookup<ProviderCredential>> {
  const namespace = machine.metadata.namespace ?? '';
  let credential = cluster
    ? await resolveCredential(store, namespace, cluster.spec.credential)
    : undefined;
  const recorded = machine.metadata.annotations?.[MachineAnnotations.credential];
  if (!credential && recorded?.includes('/')) {
    const [ns = '', name = ''] = recorded.split('/', 2);
    credential = await getIfExists(store, 'Credential', ns, name);
  }
  if (!credential) {
    return missing(
      'WaitingForInfrastructure',
      `the credential of cluster ${machine.spec.clusterName} (${cluster?.spec.credential ?? recorded ?? 'unknown'}) does not exist`,
    );
  }
  const loaded = await loadProviderCredential(store, credential);
  return loaded.ok
    ? { ok: true, value: loaded.credential }
    : missing('ProviderError', loaded.message);
}

/** The stored boot data, if the Secret exists and is this machine's. */
export async function readBootstrapData(
  store: Store,
  machine: Machine,
): Promise<BootstrapData | undefined> {
  const secret = await getIfExists<Secret>(
    store,
    'Secret',
    machine.metadata.namespace ?? '',
    bootstrapSecretNameOf(machine),
  );
  if (!secret || !isControlledBy(secret, machine)) return undefined;
  const data = decodeSecretData(secret);
  const userData = data[BootstrapKeys.userData];
  const metaData = data[BootstrapKeys.metaData];
  if (userData === undefined || metaData === undefined) return undefined;
  const boot: BootstrapData = { userData, metaData };
  const networkConfig = data[BootstrapKeys.networkConfig];
  if (networkConfig !== undefined) boot.networkConfig = networkConfig;
  return boot;
}

/**
 * The machine's boot data: read when stored, else rendered by the bootstrap provider
 * from the cluster's secrets and endpoint and stored in a Secret the machine owns.
 */
export async function ensureBootstrapData(input: {
  store: Store;
  machine: Machine;
  cluster: ClusterDeployment;
  bootstrap: BootstrapProviders;
  endpointResolver: EndpointResolver;
  provider: InfrastructureProvider;
  /** The cluster's control-plane VIP, if it has one. */
  controlPlaneVIP: () => Promise<string | undefined>;
  firstControlPlaneAddress: () => Promise<string | undefined>;
  /** The machine's NIC addressing, for network-config; undefined: cloud-init's default. */
  network?: MachineBootstrapNetwork;
  /**
   * Whether other control planes of the cluster have nodes: a first server whose VM is
   * made again must then join them, not initialise a second cluster.
   */
  clusterExists: () => Promise<boolean>;
}): Promise<Lookup<{ data: BootstrapData; created: boolean }>> {
  const { store, machine, cluster } = input;
  const stored = await readBootstrapData(store, machine);
  if (stored) return { ok: true, value: { data: stored, created: false } };

  const namespace = machine.metadata.namespace ?? '';
  const templateName = machine.spec.template ?? cluster.spec.template;
  const template = await resolveTemplate(store, namespace, templateName);
  if (!template)
    return missing('WaitingForBootstrapData', `template ${templateName} does not exist`);
  const distribution: BootstrapProvider | undefined = input.bootstrap.get(
    template.spec.distribution.name,
  );
  if (!distribution) {
    return missing(
      'WaitingForBootstrapData',
      `distribution "${template.spec.distribution.name}" is not known to this server`,
    );
  }
  const secrets = await readClusterSecrets(store, namespace, cluster.metadata.name);
  if (!secrets)
    return missing(
      'WaitingForBootstrapData',
      `waiting for the PKI and token of cluster ${cluster.metadata.name}`,
    );
  const vip = await input.controlPlaneVIP();
  const hints = vip !== undefined ? { vip } : {};
  let endpoint: ClusterEndpoint | undefined = input.endpointResolver(
    input.provider.name,
    cluster,
    hints,
  );
  if (!endpoint) {
    const first = await input.firstControlPlaneAddress();
    if (first !== undefined) {
      endpoint = input.endpointResolver(input.provider.name, cluster, {
        ...hints,
        firstControlPlaneAddress: first,
      });
    }
  }
  const initialize = machine.spec.bootstrap?.initialize === true && !(await input.clusterExists());
  // The server that starts the cluster needs no endpoint to join; with DHCP and no VIP
  // nothing knows its address before it boots.
  if (!endpoint && !(initialize && machine.spec.role === 'control-plane'))
    return missing(
      'WaitingForBootstrapData',
      `waiting to learn where the API of cluster ${cluster.metadata.name} answers`,
    );

  const rendered = await distribution.renderMachineBootstrap({
    clusterName: cluster.metadata.name,
    namespace,
    machineName: machine.metadata.name,
    ...(machine.metadata.uid ? { machineUID: machine.metadata.uid } : {}),
    role: machine.spec.role,
    initialize,
    version: machine.spec.version,
    ...(endpoint ? { endpoint } : {}),
    secrets,
    values: mergeValues(template.spec.defaults, cluster.spec.config),
    ...(input.network ? { network: input.network } : {}),
    ...(vip !== undefined ? { controlPlaneVIP: vip } : {}),
  });
  const values: Record<string, string> = {
    [BootstrapKeys.userData]: rendered.userData,
    [BootstrapKeys.metaData]: rendered.metaData,
  };
  if (rendered.networkConfig !== undefined)
    values[BootstrapKeys.networkConfig] = rendered.networkConfig;
  await createOrGet(
    store,
    ownedSecret({
      owner: machine,
      name: bootstrapSecretNameOf(machine),
      type: SecretTypes.BootstrapData,
      values,
      labels: { [Labels.cluster]: cluster.metadata.name },
    }),
  );
  const data = await readBootstrapData(store, machine);
  if (!data) {
    return missing(
      'WaitingForBootstrapData',
      `Secret ${bootstrapSecretNameOf(machine)} exists but is not this machine's boot data`,
    );
  }
  return { ok: true, value: { data, created: true } };
}

/** What the provider needs to find, make or delete the machine. */
export function machineRequest(
  machine: Machine,
  credential: ProviderCredential,
  bootstrap: BootstrapData,
  network?: MachineNetwork,
): MachineRequest {
  return {
    namespace: machine.metadata.namespace ?? '',
    clusterName: machine.spec.clusterName,
    machineName: machine.metadata.name,
    machineUID: machine.metadata.uid ?? '',
    role: machine.spec.role,
    settings: machine.spec.infrastructure ?? {},
    credential,
    bootstrap,
    ...(network ? { network } : {}),
  };
}
