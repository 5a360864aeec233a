// Admission: a ClusterDeployment created or changed in a project's namespace must fit the
// project's quota. Usage = every other cluster of the namespace (not being deleted) plus
// this one, each counted from its template's defaults with its spec.config over them
// (src/api/quota.ts, the same numbers the Project controller reports). An update is
// refused only for resources it increases, so a project over a lowered quota can shrink.
// Refusals are 403 Forbidden, as Kubernetes' ResourceQuota answers.
//
// Two creates checked at once could each fit alone and not together, so the API server
// serialises admission and the store write per namespace (AdmissionLocks, held by
// routes/resources.ts around admit + write). That holds within one API server process,
// which is how Slipway runs.
import {
  SlipwayError,
  StatusReason,
  SystemNamespace,
  clusterDeploymentKind,
  clusterTemplateKind,
  isPlainObject,
  type AnyResource,
  type ClusterDeployment,
  type Project,
} from '../../api/index.ts';
import {
  clusterDeploymentResources,
  effectiveQuota,
  exceededQuota,
  projectUsage,
  quotaExceededMessage,
  type Usage,
} from '../../api/quota.ts';
import type { Values } from '../../api/values.ts';
import type { AdmissionContext, ObjectLookup } from './types.ts';

/** Every object of a kind in one namespace (for usage); given by the API server. */
export type NamespaceList = (kind: string, namespace: string) => Promise<AnyResource[]>;

/** A template's defaults, resolved as the controller does (own namespace, then slipway-system). */
async function templateDefaults(
  lookup: ObjectLookup,
  namespace: string,
  name: string,
): Promise<Values | undefined> {
  const namespaces = namespace === SystemNamespace ? [namespace] : [namespace, SystemNamespace];
  for (const ns of namespaces) {
    const template = await lookup(clusterTemplateKind.kind, ns, name);
    if (template === undefined) continue;
    const spec = template.spec;
    const defaults = isPlainObject(spec) ? spec['defaults'] : undefined;
    return isPlainObject(defaults) ? defaults : undefined;
  }
  return undefined;
}

/** Throws Forbidden `exceeded quota of project "P": …` when the cluster does not fit. */
export async function checkClusterQuota(
  ctx: AdmissionContext,
  project: Project,
  lookup: ObjectLookup,
  list: NamespaceList,
): Promise<void> {
  const quota = effectiveQuota(project);
  if (Object.keys(quota).length === 0) return;
  const namespace = project.metadata.name;
  const cluster = ctx.object as ClusterDeployment;
  const others = (await list(clusterDeploymentKind.kind, namespace)) as ClusterDeployment[];
  const defaults = new Map<string, Values | undefined>();
  const defaultsOf = async (template: string) => {
    if (!defaults.has(template))
      defaults.set(template, await templateDefaults(lookup, namespace, template));
    return defaults.get(template);
  };
  for (const other of [...others, cluster]) await defaultsOf(other.spec.template);
  const old = ctx.request.oldObject as ClusterDeployment | undefined;
  if (old) await defaultsOf(old.spec.template);

  const name = cluster.metadata.name;
  const used = projectUsage(others, (c) => defaults.get(c.spec.template), name);
  const requested = clusterDeploymentResources(cluster, defaults.get(cluster.spec.template));
  let excesses = exceededQuota(quota, used, requested);
  if (ctx.request.operation === 'update' && old && old.metadata.deletionTimestamp === undefined) {
    const before: Usage = clusterDeploymentResources(old, defaults.get(old.spec.template));
    excesses = excesses.filter((e) => requested[e.resource] > before[e.resource]);
  }
  if (excesses.length === 0) return;
  throw new SlipwayError(
    StatusReason.Forbidden,
    `clusterdeployments "${name}" is forbidden: ${quotaExceededMessage(namespace, excesses)}`,
    { kind: clusterDeploymentKind.kind, name },
  );
}

/**
 * One queue per key: `run` calls wait for the ones before them with the same key. The API
 * server holds it around a ClusterDeployment's admission and store write, per namespace.
 */
export class AdmissionLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      // The last in the queue removes the key, so idle namespaces hold no memory.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
