// Templates and credentials a namespace may use: its own, then the global ones in
// slipway-system (as k0rdent publishes templates from kcm-system).
import type { ClusterTemplate } from '../api/kinds/cluster-template.ts';
import type { Credential } from '../api/kinds/credential.ts';
import type { Secret } from '../api/kinds/secret.ts';
import { SystemNamespace } from '../api/meta.ts';
import type { ProviderCredential } from '../providers/infrastructure/types.ts';
import type { Store } from '../store/types.ts';
import { getIfExists } from './objects.ts';
import { decodeSecretData } from './secrets.ts';

/** Look `name` up in `namespace`, then in slipway-system. */
export async function resolveShared<T extends ClusterTemplate | Credential>(
  store: Store,
  kind: T['kind'],
  namespace: string,
  name: string,
): Promise<T | undefined> {
  const own = await getIfExists<T>(store, kind, namespace, name);
  if (own || namespace === SystemNamespace) return own;
  return getIfExists<T>(store, kind, SystemNamespace, name);
}

export function resolveTemplate(
  store: Store,
  namespace: string,
  name: string,
): Promise<ClusterTemplate | undefined> {
  return resolveShared<ClusterTemplate>(store, 'ClusterTemplate', namespace, name);
}

export function resolveCredential(
  store: Store,
  namespace: string,
  name: string,
): Promise<Credential | undefined> {
  return resolveShared<Credential>(store, 'Credential', namespace, name);
}

export type LoadedCredential =
  | { ok: true; credential: ProviderCredential }
  | { ok: false; reason: 'SecretNotFound'; message: string };

/** The credential as providers see it: config plus the decoded secret values. */
export async function loadProviderCredential(
  store: Store,
  credential: Credential,
): Promise<LoadedCredential> {
  const namespace = credential.metadata.namespace ?? SystemNamespace;
  const ref = `${namespace}/${credential.metadata.name}`;
  let secret: Record<string, string> = {};
  const secretRef = credential.spec.secretRef;
  if (secretRef) {
    const secretNamespace = secretRef.namespace ?? namespace;
    // A credential may only use a Secret of its own namespace: otherwise anyone able to
    // create a Credential could have a provider read another project's secrets.
    if (secretNamespace !== namespace) {
      return {
        ok: false,
        reason: 'SecretNotFound',
        message: `credential ${ref} names Secret ${secretNamespace}/${secretRef.name}: it must be in namespace ${namespace}`,
      };
    }
    const found = await getIfExists<Secret>(store, 'Secret', secretNamespace, secretRef.name);
    if (!found) {
      return {
        ok: false,
        reason: 'SecretNotFound',
        message: `Secret ${secretNamespace}/${secretRef.name} named by credential ${ref} does not exist`,
      };
    }
    secret = decodeSecretData(found);
  }
  return { ok: true, credential: { ref, config: credential.spec.config ?? {}, secret } };
}
