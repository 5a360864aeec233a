// The `kubeconfig` subresource of a ClusterDeployment: the cluster's admin kubeconfig as
// YAML, read from the Secret its status names. A subresource rather than a Secret read,
// so authorization can let people use a cluster (verb `get`, subresource `kubeconfig`)
// without letting them read the project's Secrets.
import {
  SecretTypes,
  SlipwayError,
  StatusReason,
  clusterDeploymentKind,
  isPlainObject,
  isSlipwayError,
  type AnyResource,
  type ClusterDeployment,
  type Secret,
} from '../../api/index.ts';
import type { Store } from '../../store/types.ts';

/** Key of the kubeconfig in the Secret (Cluster API's convention, as the controller writes it). */
const kubeconfigKey = 'value';

export const kubeconfigMediaType = 'application/yaml';

function notReady(cluster: ClusterDeployment, why: string): SlipwayError {
  return new SlipwayError(
    StatusReason.Conflict,
    `the kubeconfig of clusterdeployment/${cluster.metadata.name} is not ready yet: ${why}`,
    { kind: clusterDeploymentKind.kind, name: cluster.metadata.name },
  );
}

async function getIfExists<T extends AnyResource>(
  store: Store,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> {
  try {
    return await store.get<T>(kind, namespace, name);
  } catch (err: unknown) {
    if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
    throw err;
  }
}

/** Whether the Secret is the cluster's own: controlled by this very cluster (not a namesake). */
function ownedBy(secret: Secret, cluster: ClusterDeployment): boolean {
  return (secret.metadata.ownerReferences ?? []).some(
    (ref) =>
      ref.controller === true &&
      ref.kind === clusterDeploymentKind.kind &&
      ref.uid === cluster.metadata.uid,
  );
}

/**
 * The admin kubeconfig of a ClusterDeployment. NotFound when the cluster does not exist;
 * Conflict while the controller has not written it yet (or the Secret is gone, or is not
 * the cluster's own: the status could name any Secret of the namespace).
 */
export async function readClusterKubeconfig(
  store: Store,
  namespace: string | undefined,
  name: string,
): Promise<string> {
  const cluster = await store.get<ClusterDeployment>(clusterDeploymentKind.kind, namespace, name);
  const generating = 'its cluster secrets are being generated';
  const secretName = cluster.status?.kubeconfigSecret;
  if (!secretName) throw notReady(cluster, generating);
  const secret = await getIfExists<Secret>(store, 'Secret', namespace, secretName);
  if (!secret) throw notReady(cluster, generating);
  if (secret.type !== SecretTypes.Kubeconfig || !ownedBy(secret, cluster)) {
    throw notReady(
      cluster,
      `secret "${secretName}" is not a kubeconfig this cluster owns (type ${SecretTypes.Kubeconfig}, controlled by the cluster)`,
    );
  }
  const value = isPlainObject(secret.data) ? secret.data[kubeconfigKey] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw notReady(cluster, `secret "${secretName}" has no key "${kubeconfigKey}" yet`);
  }
  return Buffer.from(value, 'base64').toString('utf8');
}
