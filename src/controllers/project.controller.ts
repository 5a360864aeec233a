// Project controller: reports what a project's clusters use against its quota. A
// Project owns the namespace of its name (namespaces are implicit in this store: there
// is no Namespace object to make); status.usage sums the namespace's ClusterDeployments
// not being deleted, sized from their config merged over their template's defaults (the
// same numbers admission checks, src/api/quota.ts), and QuotaExceeded turns True when
// usage is above the quota — after an administrator lowered it, say. Admission keeps new
// clusters out; nothing here deletes or stops anything.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { ClusterTemplate } from '../api/kinds/cluster-template.ts';
import {
  ProjectConditions as Conditions,
  ProjectReasons as Reasons,
  QuotaResources,
  type Project,
} from '../api/kinds/project.ts';
import { SystemNamespace, type AnyResource } from '../api/meta.ts';
import { effectiveQuota, projectUsage, type QuotaLimits, type Usage } from '../api/quota.ts';
import type { Store } from '../store/types.ts';
import { falseCondition, findCondition, setConditions, trueCondition } from './conditions.ts';
import type { Events } from './dependencies.ts';
import { getIfExists, isDeleting } from './objects.ts';
import { resolveTemplate } from './references.ts';
import type { ControllerOptions } from './runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from './runtime/types.ts';

export const projectControllerName = 'project';

type ProjectStatus = NonNullable<Project['status']>;

/** Where the controller finds clusters and projects: the runtime's informers. */
export interface ProjectSources {
  clusters?: { byNamespace(namespace: string): readonly ClusterDeployment[] };
  projects?: { list(): readonly Project[] };
}

export interface ProjectControllerDeps extends ProjectSources {
  store: Store;
  events: Events;
  /** Overrides the reconcile context's clock. */
  clock?: () => Date;
}

/** The resources whose usage is above the quota, as `vcpu=12 (quota 8)`. */
export function overQuota(usage: Usage, quota: QuotaLimits): string[] {
  const over: string[] = [];
  for (const resource of QuotaResources) {
    const limit = quota[resource];
    if (limit !== undefined && usage[resource] > limit) {
      over.push(`${resource}=${usage[resource]} (quota ${limit})`);
    }
  }
  return over;
}

export function projectController(deps: ProjectControllerDeps): ControllerOptions {
  const { store, events } = deps;

  async function clustersOf(namespace: string): Promise<readonly ClusterDeployment[]> {
    if (deps.clusters) return deps.clusters.byNamespace(namespace);
    return (await store.list<ClusterDeployment>('ClusterDeployment', { namespace })).items;
  }

  /** Each template's defaults, looked up once per name (own namespace, then slipway-system). */
  async function templateDefaults(
    namespace: string,
    clusters: readonly ClusterDeployment[],
  ): Promise<Map<string, ClusterTemplate | undefined>> {
    const templates = new Map<string, ClusterTemplate | undefined>();
    for (const cluster of clusters) {
      const name = cluster.spec.template;
      if (!templates.has(name)) templates.set(name, await resolveTemplate(store, namespace, name));
    }
    return templates;
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const project = await getIfExists<Project>(store, 'Project', undefined, key);
    if (!project || isDeleting(project)) return {};
    const now = deps.clock?.() ?? ctx.now();
    const namespace = project.metadata.name;
    const clusters = await clustersOf(namespace);
    const templates = await templateDefaults(namespace, clusters);
    const usage = projectUsage(clusters, (c) => templates.get(c.spec.template)?.spec.defaults);
    const over = overQuota(usage, effectiveQuota(project));
    const counted = clusters.filter((c) => !isDeleting(c)).length;

    const generation = project.metadata.generation;
    const status: ProjectStatus = {
      ...(project.status ?? {}),
      namespace,
      usage,
      conditions: setConditions(
        project.status?.conditions,
        [
          trueCondition(
            Conditions.Ready,
            Reasons.ProjectReady,
            `namespace ${namespace}: ${counted} cluster${counted === 1 ? '' : 's'}`,
          ),
          over.length > 0
            ? trueCondition(
                Conditions.QuotaExceeded,
                Reasons.QuotaExceeded,
                `usage is above the quota: ${over.join(', ')}; new clusters and scale-ups are refused until it is below`,
              )
            : falseCondition(
                Conditions.QuotaExceeded,
                Reasons.WithinQuota,
                'usage is within the quota',
              ),
        ],
        now,
        generation,
      ),
    };
    if (generation !== undefined) status.observedGeneration = generation;
    if (!isDeepStrictEqual(status, project.status)) {
      await store.updateStatus<Project>({ ...project, status });
      const before = findCondition(project.status?.conditions, Conditions.QuotaExceeded);
      const after = findCondition(status.conditions, Conditions.QuotaExceeded);
      if (after?.status === 'True' && before?.status !== 'True') {
        void events.record(project, 'Warning', Reasons.QuotaExceeded, after.message ?? '');
      }
    }
    return {};
  }

  const allProjects = () => (deps.projects?.list() ?? []).map((p) => p.metadata.name);
  return {
    name: projectControllerName,
    forKind: 'Project',
    ignoreStatusUpdates: true,
    watches: [
      // Usage follows create, scale and delete (a removal must count too, so every event
      // maps; the queue folds repeats, and a pass writes only a changed status). A
      // namespace without a Project maps to a key that reconciles to nothing.
      { kind: 'ClusterDeployment', mapToKeys: (c: AnyResource) => [c.metadata.namespace ?? ''] },
      {
        kind: 'ClusterTemplate',
        mapToKeys: (t: AnyResource) =>
          t.metadata.namespace === SystemNamespace ? allProjects() : [t.metadata.namespace ?? ''],
      },
    ],
    reconcile,
  };
}
