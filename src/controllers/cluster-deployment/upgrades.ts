// The template chain: a cluster moves only to a template its current one lists in
// upgradeTargets (admission rejects other switches; the controller checks again, since
// a cluster may be mid-rollout between two templates, or written straight to the store).
import type { ClusterTemplate } from '../../api/kinds/cluster-template.ts';
import type { Store } from '../../store/types.ts';
import { resolveTemplate } from '../references.ts';

/**
 * Why `target` may not replace the templates machines run now (`from`), or undefined
 * when each of them lists `target` in its upgradeTargets. One step at a time, as
 * Kubernetes minor versions must be: a cluster mid-rollout from A to B cannot be sent on
 * to C before every machine is on B. A template that no longer exists cannot be checked
 * and is let through (admission checked the switch).
 */
export async function upgradeProblem(input: {
  store: Store;
  namespace: string;
  from: ReadonlySet<string>;
  target: ClusterTemplate;
}): Promise<string | undefined> {
  const targetName = input.target.metadata.name;
  for (const name of input.from) {
    if (name === targetName) continue;
    const current = await resolveTemplate(input.store, input.namespace, name);
    if (!current) continue;
    if (current.spec.provider !== input.target.spec.provider) {
      return `template ${targetName} uses provider "${input.target.spec.provider}", but the cluster runs on "${current.spec.provider}" (template ${name}); a cluster cannot move between providers`;
    }
    if (current.spec.distribution.name !== input.target.spec.distribution.name) {
      return `template ${targetName} installs ${input.target.spec.distribution.name}, but the cluster runs ${current.spec.distribution.name} (template ${name}); a cluster cannot change distribution`;
    }
    const targets = current.spec.upgradeTargets ?? [];
    if (!targets.includes(targetName)) {
      return `template ${targetName} is not an upgrade target of ${name} (allowed: ${targets.length > 0 ? targets.join(', ') : 'none'}); switch spec.template back to ${name} or to one of its targets`;
    }
  }
  return undefined;
}

/** The template's upgrade targets that exist for this namespace and are valid. */
export async function availableUpgrades(
  store: Store,
  namespace: string,
  template: ClusterTemplate,
): Promise<string[]> {
  const available: string[] = [];
  for (const name of template.spec.upgradeTargets ?? []) {
    const target = await resolveTemplate(store, namespace, name);
    if (target?.status?.valid === true && !target.metadata.deletionTimestamp) available.push(name);
  }
  return available;
}
