// The lifetime policy of a cluster, as pure functions: when it expires (the earliest of
// its project's and its template's limits) and what is due at a given moment (a warning
// 24 h and 1 h ahead, each once, then deletion). lifetime.controller.ts does the I/O.
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { ClusterTemplate } from '../../api/kinds/cluster-template.ts';
import type { Project } from '../../api/kinds/project.ts';
import { parseLifetime } from './duration.ts';

export interface Deadline {
  at: Date;
  /** Which limit sets it, for events: `project "p" maxClusterLifetime 720h`. */
  why: string;
}

/** A warning ahead of expiry: its name (kept in an annotation) and how long ahead. */
export interface ExpiryWarning {
  name: string;
  aheadMs: number;
}

/** 24 h and 1 h ahead, the longest first. */
export const expiryWarnings: readonly ExpiryWarning[] = [
  { name: '24h', aheadMs: 24 * 3_600_000 },
  { name: '1h', aheadMs: 3_600_000 },
];

/**
 * When the cluster expires: the earliest of creation + the project's
 * maxClusterLifetime, the project's expiresAt, and creation + the template's
 * maxClusterLifetime. Undefined when none applies. A limit that does not parse is
 * ignored (the schemas refuse such values) and reported in `problems`.
 */
export function clusterDeadline(input: {
  cluster: ClusterDeployment;
  project: Project | undefined;
  template: ClusterTemplate | undefined;
  problems?: string[];
}): Deadline | undefined {
  const { cluster, project, template } = input;
  const created = Date.parse(cluster.metadata.creationTimestamp ?? '');
  const candidates: { at: number; why: string }[] = [];
  const lifetime = (value: string | undefined, owner: string, field: string) => {
    if (value === undefined || Number.isNaN(created)) return;
    try {
      candidates.push({
        at: created + parseLifetime(value, field),
        why: `${owner} ${field} ${value}`,
      });
    } catch (err: unknown) {
      input.problems?.push(err instanceof Error ? err.message : String(err));
    }
  };
  if (project) {
    const owner = `project "${project.metadata.name}"`;
    lifetime(project.spec.maxClusterLifetime, owner, 'maxClusterLifetime');
    if (project.spec.expiresAt !== undefined) {
      const at = Date.parse(project.spec.expiresAt);
      if (Number.isNaN(at)) input.problems?.push(`${owner} expiresAt is not a date-time`);
      else candidates.push({ at, why: `${owner} expiresAt ${project.spec.expiresAt}` });
    }
  }
  if (template) {
    lifetime(
      template.spec.maxClusterLifetime,
      `template "${template.metadata.name}"`,
      'maxClusterLifetime',
    );
  }
  let earliest: { at: number; why: string } | undefined;
  for (const c of candidates) if (!earliest || c.at < earliest.at) earliest = c;
  return earliest && { at: new Date(earliest.at), why: earliest.why };
}

/** What the lifetime policy asks for now. */
export type LifetimeStep =
  | { kind: 'expire' }
  | { kind: 'warn'; warning: ExpiryWarning; leftMs: number; nextCheckMs: number }
  | { kind: 'wait'; nextCheckMs: number };

/**
 * The step due at `now` for a cluster expiring at `deadline`, given the warnings
 * already given for this deadline (`warned`: their names). Only the latest warning that
 * is due is given (a cluster created 30 min before its deadline gets the 1 h one only).
 */
export function lifetimeStep(deadline: Date, now: Date, warned: readonly string[]): LifetimeStep {
  const leftMs = deadline.getTime() - now.getTime();
  if (leftMs <= 0) return { kind: 'expire' };
  // The next moment something falls due: a warning not reached yet, or expiry.
  const later = expiryWarnings.filter((w) => w.aheadMs < leftMs).map((w) => leftMs - w.aheadMs);
  const nextCheckMs = Math.min(leftMs, ...later);
  const due = expiryWarnings.filter((w) => w.aheadMs >= leftMs);
  const latest = due.at(-1);
  if (latest && !warned.includes(latest.name)) {
    return { kind: 'warn', warning: latest, leftMs, nextCheckMs };
  }
  return { kind: 'wait', nextCheckMs };
}

/** `3h 20m`, `45m`, `30s`: how long is left, for event messages. */
export function timeLeft(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.ceil(ms / 1000))}s`;
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return `${minutes}m`;
  const rest = minutes % 60;
  return rest === 0 ? `${hours}h` : `${hours}h ${rest}m`;
}
