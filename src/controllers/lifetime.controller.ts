// Lifetime controller: deletes clusters whose lifetime policy ran out. Each
// ClusterDeployment's status.expiresAt is the earliest of its project's
// maxClusterLifetime (from creation) and expiresAt, and its template's
// maxClusterLifetime; Warning events (ExpiringSoon) come 24 h and 1 h ahead, once each
// (an annotation records the last one given, so a restart does not repeat it), then the
// cluster is deleted with an Expired event. It only reads policies and deletes; the
// ClusterDeployment controller does the rest of a deletion.
import { isDeepStrictEqual } from 'node:util';
import {
  ClusterDeploymentReasons as Reasons,
  type ClusterDeployment,
} from '../api/kinds/cluster-deployment.ts';
import type { Project } from '../api/kinds/project.ts';
import { SystemNamespace, type AnyResource } from '../api/meta.ts';
import type { Store } from '../store/types.ts';
import type { Events } from './dependencies.ts';
import { clusterDeadline, lifetimeStep, timeLeft } from './lifetime/policy.ts';
import { getIfExists, isDeleting, keyOf, parseKey } from './objects.ts';
import { resolveTemplate } from './references.ts';
import type { ControllerOptions } from './runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from './runtime/types.ts';

export const lifetimeControllerName = 'lifetime';

/** On a ClusterDeployment: the last expiry warning given, as `<warning>@<expiresAt>`. */
export const expiryWarnedAnnotation = 'slipway.dev/expiry-warned';

/** Event reasons of the lifetime controller. */
export const LifetimeEventReasons = {
  /** The cluster is deleted soon (24 h, then 1 h ahead). */
  ExpiringSoon: 'ExpiringSoon',
  /** The deadline passed; the cluster is being deleted. */
  Expired: Reasons.Expired,
} as const;

/** Longest wait between passes: timers this long stay exact, and a lost wake-up is mended. */
const maxWaitMs = 12 * 3_600_000;

/** The clusters the watches map to: the runtime's ClusterDeployment informer. */
export interface ClusterSource {
  byNamespace(namespace: string): readonly ClusterDeployment[];
  list(): readonly ClusterDeployment[];
}

export interface LifetimeControllerDeps {
  store: Store;
  events: Events;
  /** To find the clusters a Project or ClusterTemplate change concerns. */
  clusters?: ClusterSource;
  /** Overrides the reconcile context's clock. */
  clock?: () => Date;
}

/** The warnings already given for this deadline (a new deadline starts afresh). */
function warnedFor(cluster: ClusterDeployment, expiresAt: string): string[] {
  const value = cluster.metadata.annotations?.[expiryWarnedAnnotation] ?? '';
  const at = value.indexOf('@');
  return at > 0 && value.slice(at + 1) === expiresAt ? [value.slice(0, at)] : [];
}

export function lifetimeController(deps: LifetimeControllerDeps): ControllerOptions {
  const { store, events } = deps;

  async function saveExpiresAt(
    cluster: ClusterDeployment,
    expiresAt: string | undefined,
  ): Promise<void> {
    if (cluster.status?.expiresAt === expiresAt) return;
    const status = { ...(cluster.status ?? {}) };
    if (expiresAt === undefined) delete status.expiresAt;
    else status.expiresAt = expiresAt;
    if (isDeepStrictEqual(status, cluster.status ?? {})) return;
    await store.updateStatus<ClusterDeployment>({ ...cluster, status });
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = parseKey(key);
    const cluster = await getIfExists<ClusterDeployment>(
      store,
      'ClusterDeployment',
      namespace,
      name,
    );
    if (!cluster || isDeleting(cluster)) return {};
    const now = deps.clock?.() ?? ctx.now();
    const project = await getIfExists<Project>(store, 'Project', undefined, namespace);
    const template = await resolveTemplate(store, namespace, cluster.spec.template);
    const deadline = clusterDeadline({ cluster, project, template });
    const expiresAt = deadline?.at.toISOString();
    await saveExpiresAt(cluster, expiresAt);
    if (!deadline || expiresAt === undefined) return {};

    const step = lifetimeStep(deadline.at, now, warnedFor(cluster, expiresAt));
    if (step.kind === 'expire') {
      // The event first: if the delete fails, it is retried, and the cluster says why.
      await events.record(
        cluster,
        'Warning',
        LifetimeEventReasons.Expired,
        `the lifetime policy (${deadline.why}) ended at ${expiresAt}: deleting the cluster`,
      );
      // The cluster's own events go with it; the project keeps a trace for its admins.
      if (project) {
        await events.record(
          project,
          'Warning',
          LifetimeEventReasons.Expired,
          `cluster "${name}" deleted: the lifetime policy (${deadline.why}) ended at ${expiresAt}`,
        );
      }
      await store.delete('ClusterDeployment', namespace, name);
      return {};
    }
    if (step.kind === 'warn') {
      // Recorded before the event, so a crash in between loses a warning rather than
      // repeating it on every restart.
      const annotations = {
        ...cluster.metadata.annotations,
        [expiryWarnedAnnotation]: `${step.warning.name}@${expiresAt}`,
      };
      const current = await store.get<ClusterDeployment>('ClusterDeployment', namespace, name);
      await store.update<ClusterDeployment>({
        ...current,
        metadata: { ...current.metadata, annotations },
      });
      await events.record(
        cluster,
        'Warning',
        LifetimeEventReasons.ExpiringSoon,
        `the cluster is deleted in ${timeLeft(step.leftMs)}, at ${expiresAt} (${deadline.why})`,
      );
    }
    return { requeueAfter: Math.max(1, Math.min(step.nextCheckMs, maxWaitMs)) };
  }

  const inNamespace = (namespace: string) =>
    (deps.clusters?.byNamespace(namespace) ?? []).map((c) => keyOf(c));

  return {
    name: lifetimeControllerName,
    forKind: 'ClusterDeployment',
    // Status is written by the ClusterDeployment controller every few seconds on the
    // way up: none of it changes a deadline. Spec and metadata changes still count.
    ignoreStatusUpdates: true,
    watches: [
      // A project's policy covers every cluster of its namespace.
      { kind: 'Project', mapToKeys: (p: AnyResource) => inNamespace(p.metadata.name) },
      {
        kind: 'ClusterTemplate',
        mapToKeys: (t: AnyResource) => {
          const namespace = t.metadata.namespace ?? '';
          const users = (deps.clusters?.list() ?? []).filter(
            (c) =>
              c.spec.template === t.metadata.name &&
              (namespace === SystemNamespace || c.metadata.namespace === namespace),
          );
          return users.map((c) => keyOf(c));
        },
      },
    ],
    reconcile,
  };
}
