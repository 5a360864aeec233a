// Every kind Slipway serves, and lookups by the names users type.
import type { KindDefinition } from './kind.ts';
import { apiTokenKind } from './kinds/api-token.ts';
import { clusterDeploymentKind } from './kinds/cluster-deployment.ts';
import { clusterTemplateKind } from './kinds/cluster-template.ts';
import { credentialKind } from './kinds/credential.ts';
import { eventKind } from './kinds/event.ts';
import { ipAddressKind } from './kinds/ip-address.ts';
import { ipPoolKind } from './kinds/ip-pool.ts';
import { machineKind } from './kinds/machine.ts';
import { multiClusterServiceKind } from './kinds/multi-cluster-service.ts';
import { projectKind } from './kinds/project.ts';
import { secretKind } from './kinds/secret.ts';
import { serviceTemplateKind } from './kinds/service-template.ts';
import { userKind } from './kinds/user.ts';

export const kinds: readonly KindDefinition[] = [
  clusterTemplateKind,
  clusterDeploymentKind,
  machineKind,
  credentialKind,
  secretKind,
  ipPoolKind,
  ipAddressKind,
  serviceTemplateKind,
  multiClusterServiceKind,
  projectKind,
  userKind,
  apiTokenKind,
  eventKind,
];

const byKind = new Map(kinds.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindDefinition>();
for (const k of kinds) {
  for (const name of [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames]) {
    byAnyName.set(name, k);
  }
}

/** The definition of a kind by its exact name (`ClusterDeployment`). */
export function kindByName(kind: string): KindDefinition | undefined {
  return byKind.get(kind);
}

/** The definition of a kind by its plural (`clusterdeployments`). */
export function kindByPlural(plural: string): KindDefinition | undefined {
  const k = byAnyName.get(plural);
  return k && k.plural === plural ? k : undefined;
}

/** Resolve what a user typed: kind, plural, singular or short name, any case. */
export function resolveKind(typed: string): KindDefinition | undefined {
  return byAnyName.get(typed.toLowerCase());
}
