// Typed status conditions, as Kubernetes' meta.SetStatusCondition keeps them: one per
// type, lastTransitionTime moves only when the status changes.
import type { Condition, ConditionStatus } from '../api/meta.ts';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
}

/** The condition of `type`, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(
  conditions: readonly Condition[] | undefined,
  type: string,
): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * A copy of `conditions` with `next` set. The transition time is kept from the previous
 * condition of the same type while its status stays the same.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionInput,
  now: Date,
  observedGeneration: number | undefined,
): Condition[] {
  const previous = findCondition(conditions, next.type);
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    lastTransitionTime:
      previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString(),
  };
  if (next.message !== undefined && next.message !== '') condition.message = next.message;
  if (observedGeneration !== undefined) condition.observedGeneration = observedGeneration;
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  if (index === -1) list.push(condition);
  else list[index] = condition;
  return list;
}

/** Set several conditions at once, in the order given. */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  now: Date,
  observedGeneration: number | undefined,
): Condition[] {
  let result: Condition[] = [...(conditions ?? [])];
  for (const c of next) result = setCondition(result, c, now, observedGeneration);
  return result;
}

export function trueCondition(type: string, reason: string, message?: string): ConditionInput {
  return message === undefined
    ? { type, status: 'True', reason }
    : { type, status: 'True', reason, message };
}

export function falseCondition(type: string, reason: string, message?: string): ConditionInput {
  return message === undefined
    ? { type, status: 'False', reason }
    : { type, status: 'False', reason, message };
}

export function unknownCondition(type: string, reason: string, message?: string): ConditionInput {
  return message === undefined
    ? { type, status: 'Unknown', reason }
    : { type, status: 'Unknown', reason, message };
}
