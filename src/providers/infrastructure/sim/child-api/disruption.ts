// PodDisruptionBudgets, as the Eviction API enforces them: an eviction that would
// leave fewer healthy pods than the budget allows answers 429, and drain retries.
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import { matchesLabelSelector } from '../../../../api/selector.ts';
import type { LabelSelector } from '../../../../api/meta.ts';
import { isRecord, type KubeObject } from './objects.ts';

function isHealthy(pod: KubeObject): boolean {
  const status = isRecord(pod['status']) ? pod['status'] : {};
  if (status['phase'] !== 'Running' || pod.metadata.deletionTimestamp) return false;
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
  return conditions.some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

/** An int-or-percent against `total` (percentages round up, as Kubernetes does). */
function scaled(value: unknown, total: number): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+%$/.test(value)) {
    return Math.ceil((Number.parseInt(value, 10) * total) / 100);
  }
  return undefined;
}

/** Throws 429 when evicting `pod` would break a budget that selects it. */
export function checkDisruptionBudgets(
  pod: KubeObject,
  budgets: KubeObject[],
  podsInNamespace: KubeObject[],
): void {
  for (const budget of budgets) {
    const spec = isRecord(budget['spec']) ? budget['spec'] : {};
    const selector = spec['selector'];
    if (!isRecord(selector)) continue;
    const labelSelector = selector as LabelSelector;
    if (!matchesLabelSelector(labelSelector, pod.metadata.labels)) continue;
    const selected = podsInNamespace.filter((p) =>
      matchesLabelSelector(labelSelector, p.metadata.labels),
    );
    const expected = selected.length;
    const healthy = selected.filter(isHealthy).length;
    const minAvailable = scaled(spec['minAvailable'], expected);
    const maxUnavailable = scaled(spec['maxUnavailable'], expected);
    let needed: number;
    if (minAvailable !== undefined) needed = minAvailable;
    else if (maxUnavailable !== undefined) needed = expected - maxUnavailable;
    else continue;
    if (!isHealthy(pod) || healthy - 1 >= needed) continue;
    const message = `The disruption budget ${budget.metadata.name} needs ${needed} healthy pods and has ${healthy} currently`;
    throw new SlipwayError(
      StatusReason.TooManyRequests,
      "Cannot evict pod as it would violate the pod's disruption budget.",
      { causes: [{ field: '', reason: 'DisruptionBudget', message }] },
    );
  }
}
