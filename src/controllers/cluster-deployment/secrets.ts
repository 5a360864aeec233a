// The cluster's long-lived secrets: PKI and join token, generated once by the bootstrap
// provider and never again (servers encrypt their bootstrap data with the token, and
// every kubeconfig trusts the CA), plus the admin kubeconfig.
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import { SecretTypes, type Secret } from '../../api/kinds/secret.ts';
import type {
  BootstrapProvider,
  ClusterEndpoint,
  ClusterSecretsData,
} from '../../providers/bootstrap/types.ts';
import type { Store } from '../../store/types.ts';
import { createOrGet, deleteIfExists, getIfExists, isControlledBy, Labels } from '../objects.ts';
import { decodeSecretData, ownedSecret } from '../secrets.ts';
import { kubeconfigSecretName, pkiSecretName, tokenSecretName } from './names.ts';

/** Key of the kubeconfig in `<cluster>-kubeconfig` (Cluster API's convention). */
export const kubeconfigKey = 'value';
/** Key of the join token in `<cluster>-token`. */
export const tokenKey = 'token';

export type ClusterSecretsResult =
  { ok: true; secrets: ClusterSecretsData; created: boolean } | { ok: false; message: string };

function labelsOf(cluster: ClusterDeployment): Record<string, string> {
  return { [Labels.cluster]: cluster.metadata.name };
}

/** The stored secrets, read only (the Machine controller renders boot data from them). */
export async function readClusterSecrets(
  store: Store,
  namespace: string,
  cluster: string,
): Promise<ClusterSecretsData | undefined> {
  const pki = await getIfExists<Secret>(store, 'Secret', namespace, pkiSecretName(cluster));
  const token = await getIfExists<Secret>(store, 'Secret', namespace, tokenSecretName(cluster));
  if (!pki || !token) return undefined;
  const tokenValue = decodeSecretData(token)[tokenKey];
  if (!tokenValue) return undefined;
  return { pki: decodeSecretData(pki), token: tokenValue };
}

/**
 * The cluster's PKI and token: read when stored, else generated and stored. Half a pair
 * (a crash between the two creates) is thrown away while no machine can have used it.
 */
export async function ensureClusterSecrets(input: {
  store: Store;
  cluster: ClusterDeployment;
  provider: BootstrapProvider;
  hasMachines: boolean;
}): Promise<ClusterSecretsResult> {
  const { store, cluster } = input;
  const namespace = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name;
  const pki = await getIfExists<Secret>(store, 'Secret', namespace, pkiSecretName(name));
  const token = await getIfExists<Secret>(store, 'Secret', namespace, tokenSecretName(name));
  for (const secret of [pki, token]) {
    if (secret && !isControlledBy(secret, cluster)) {
      return {
        ok: false,
        message: `Secret ${namespace}/${secret.metadata.name} exists but does not belong to this cluster (a leftover of an earlier cluster of the same name is removed by garbage collection; otherwise delete or rename it)`,
      };
    }
  }
  if (pki && token) {
    const tokenValue = decodeSecretData(token)[tokenKey];
    if (tokenValue) {
      return {
        ok: true,
        secrets: { pki: decodeSecretData(pki), token: tokenValue },
        created: false,
      };
    }
  }
  if (pki || token) {
    if (input.hasMachines) {
      return {
        ok: false,
        message: `only one of Secrets ${pkiSecretName(name)} and ${tokenSecretName(name)} exists, and machines already use them; restore the missing one`,
      };
    }
    // Nothing has used the half pair yet: start again from nothing.
    await deleteIfExists(store, 'Secret', namespace, pkiSecretName(name));
    await deleteIfExists(store, 'Secret', namespace, tokenSecretName(name));
  }
  const generated = await input.provider.generateClusterSecrets({ clusterName: name, namespace });
  const storedToken = await createOrGet(
    store,
    ownedSecret({
      owner: cluster,
      name: tokenSecretName(name),
      type: SecretTypes.JoinToken,
      values: { [tokenKey]: generated.token },
      labels: labelsOf(cluster),
    }),
  );
  const storedPki = await createOrGet(
    store,
    ownedSecret({
      owner: cluster,
      name: pkiSecretName(name),
      type: SecretTypes.ClusterPKI,
      values: generated.pki,
      labels: labelsOf(cluster),
    }),
  );
  const tokenValue = decodeSecretData(storedToken)[tokenKey] ?? generated.token;
  return {
    ok: true,
    secrets: { pki: decodeSecretData(storedPki), token: tokenValue },
    created: true,
  };
}

/** The admin kubeconfig: read when stored, else rendered for `endpoint` and stored. */
export async function ensureKubeconfig(input: {
  store: Store;
  cluster: ClusterDeployment;
  provider: BootstrapProvider;
  secrets: ClusterSecretsData;
  endpoint: ClusterEndpoint;
}): Promise<{ kubeconfig: string; created: boolean }> {
  const { store, cluster } = input;
  const namespace = cluster.metadata.namespace ?? '';
  const secretName = kubeconfigSecretName(cluster.metadata.name);
  const existing = await getIfExists<Secret>(store, 'Secret', namespace, secretName);
  const stored = existing ? decodeSecretData(existing)[kubeconfigKey] : undefined;
  if (existing && stored && isControlledBy(existing, cluster)) {
    return { kubeconfig: stored, created: false };
  }
  if (existing) await deleteIfExists(store, 'Secret', namespace, secretName);
  const kubeconfig = await input.provider.renderAdminKubeconfig({
    clusterName: cluster.metadata.name,
    namespace,
    endpoint: input.endpoint,
    secrets: input.secrets,
  });
  const created = await createOrGet(
    store,
    ownedSecret({
      owner: cluster,
      name: secretName,
      type: SecretTypes.Kubeconfig,
      values: { [kubeconfigKey]: kubeconfig },
      labels: labelsOf(cluster),
    }),
  );
  return { kubeconfig: decodeSecretData(created)[kubeconfigKey] ?? kubeconfig, created: true };
}

/** The stored admin kubeconfig, if any. */
export async function readKubeconfig(
  store: Store,
  namespace: string,
  cluster: string,
): Promise<string | undefined> {
  const secret = await getIfExists<Secret>(
    store,
    'Secret',
    namespace,
    kubeconfigSecretName(cluster),
  );
  return secret ? decodeSecretData(secret)[kubeconfigKey] : undefined;
}

/** Remove the cluster's own Secrets (garbage collection would, later); others stay. */
export async function deleteClusterSecrets(
  store: Store,
  cluster: ClusterDeployment,
): Promise<void> {
  const namespace = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name;
  for (const secretName of [
    kubeconfigSecretName(name),
    tokenSecretName(name),
    pkiSecretName(name),
  ]) {
    const secret = await getIfExists<Secret>(store, 'Secret', namespace, secretName);
    if (secret && isControlledBy(secret, cluster)) {
      await deleteIfExists(store, 'Secret', namespace, secretName);
    }
  }
}
