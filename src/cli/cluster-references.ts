// The template and credential a new cluster refers to, looked up as the controller does:
// in the cluster's namespace first, then the global ones in slipway-system.
import {
  SystemNamespace,
  clusterTemplateKind,
  credentialKind,
  type ClusterTemplate,
  type Credential,
} from '../api/index.ts';
import type { ApiClient } from './client.ts';
import { CliError, isApiError } from './errors.ts';
import { resourcePath } from './resources.ts';

/** The namespaces a cluster in `namespace` may take templates and credentials from. */
function lookupNamespaces(namespace: string): string[] {
  return namespace === SystemNamespace ? [namespace] : [namespace, SystemNamespace];
}

function scopeText(namespace: string): string {
  return namespace === SystemNamespace
    ? `namespace "${namespace}"`
    : `namespace "${namespace}" or "${SystemNamespace}"`;
}

/** The ClusterTemplate a cluster in `namespace` would use under `name`. */
export async function findClusterTemplate(
  client: ApiClient,
  namespace: string,
  name: string,
): Promise<ClusterTemplate> {
  for (const ns of lookupNamespaces(namespace)) {
    try {
      return await client.request<ClusterTemplate>(
        'GET',
        resourcePath(clusterTemplateKind, ns, name),
      );
    } catch (err: unknown) {
      if (!isApiError(err, 404)) throw err;
    }
  }
  throw new CliError(
    `clustertemplate "${name}" not found in ${scopeText(namespace)} (see "slipway get clustertemplates -A")`,
  );
}

/** Credentials visible from `namespace`; a local one hides a global one of the same name. */
async function visibleCredentials(client: ApiClient, namespace: string): Promise<Credential[]> {
  const byName = new Map<string, Credential>();
  for (const ns of lookupNamespaces(namespace)) {
    let items: Credential[];
    try {
      items = (await client.list(resourcePath(credentialKind, ns))).items as Credential[];
    } catch (err: unknown) {
      // Global credentials may be hidden from this user; the local ones still count.
      if (ns === SystemNamespace && isApiError(err, 403)) continue;
      throw err;
    }
    for (const credential of items) {
      if (!byName.has(credential.metadata.name)) byName.set(credential.metadata.name, credential);
    }
  }
  return [...byName.values()].filter((c) => !c.metadata.deletionTimestamp);
}

/** Whether the credential's check has failed (not merely not run yet). */
function knownBroken(credential: Credential): boolean {
  return (
    credential.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False') ?? false
  );
}

function describeCredential(credential: Credential): string {
  const ready = credential.status?.conditions?.find((c) => c.type === 'Ready');
  const state =
    ready?.status === 'True'
      ? 'Ready'
      : ready?.status === 'False'
        ? `not Ready: ${ready.reason}`
        : 'not checked yet';
  return `${credential.metadata.name} (namespace ${credential.metadata.namespace ?? '?'}, ${state})`;
}

/**
 * The credential to use when none is given: the only one for the template's provider,
 * visible from `namespace`, whose check has not failed. Anything else is an error that
 * lists the choices.
 */
export async function defaultCredential(
  client: ApiClient,
  namespace: string,
  template: ClusterTemplate,
): Promise<string> {
  const provider = template.spec.provider;
  const forProvider = (await visibleCredentials(client, namespace)).filter(
    (c) => c.spec.provider === provider,
  );
  const usable = forProvider.filter((c) => !knownBroken(c));
  const only = usable.length === 1 ? usable[0] : undefined;
  if (only) return only.metadata.name;
  const about = `template ${template.metadata.name} (provider "${provider}")`;
  if (forProvider.length === 0) {
    throw new CliError(
      `no Credential for ${about} in ${scopeText(namespace)}: create one, or pass --credential`,
    );
  }
  const listed = forProvider.map((c) => `  ${describeCredential(c)}`).join('\n');
  if (usable.length === 0) {
    throw new CliError(
      `no working Credential for ${about} in ${scopeText(namespace)}; fix one, or pass --credential:\n${listed}`,
    );
  }
  throw new CliError(
    `${usable.length} Credentials can serve ${about}; choose one with --credential:\n${listed}`,
  );
}
