// The shape of a cluster as its merged values ask for it: how many control planes and
// workers, how upgrades roll, and the machine settings handed to the provider.
import { isPlainObject, type ValueProblem, type Values } from '../values.ts';

export interface RolloutSettings {
  /** Workers created above the wanted count during an upgrade. Default 1. */
  maxSurge: number;
  /** Workers that may be missing (not Ready) during an upgrade. Default 0. */
  maxUnavailable: number;
}

export interface ClusterShape {
  controlPlanes: number;
  workers: number;
  rollout: RolloutSettings;
  /** Provider settings for every machine (`machine: {vcpu, memoryMiB, diskGiB, …}`). */
  machine: Values;
}

/** etcd needs an odd number of members to keep quorum through a failure. */
export const allowedControlPlaneNumbers = [1, 3, 5] as const;

export type ShapeResult =
  { ok: true; shape: ClusterShape } | { ok: false; problems: ValueProblem[] };

function wholeNumber(
  value: unknown,
  field: string,
  fallback: number,
  problems: ValueProblem[],
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    problems.push({
      field,
      message: `must be a whole number of 0 or more (got ${JSON.stringify(value)})`,
    });
    return fallback;
  }
  return value;
}

/** Read the shape from merged values; `basePath` prefixes the field paths of problems. */
export function readClusterShape(values: Values, basePath = 'spec.config'): ShapeResult {
  const problems: ValueProblem[] = [];
  const controlPlanes = wholeNumber(
    values['controlPlaneNumber'],
    `${basePath}.controlPlaneNumber`,
    1,
    problems,
  );
  if (
    problems.length === 0 &&
    !(allowedControlPlaneNumbers as readonly number[]).includes(controlPlanes)
  ) {
    problems.push({
      field: `${basePath}.controlPlaneNumber`,
      message: `must be 1, 3 or 5 (got ${controlPlanes}): an even number of etcd members adds no fault tolerance`,
    });
  }
  const workers = wholeNumber(values['workersNumber'], `${basePath}.workersNumber`, 0, problems);

  const upgrade = values['upgrade'];
  let rollout: RolloutSettings = { maxSurge: 1, maxUnavailable: 0 };
  if (upgrade !== undefined) {
    if (!isPlainObject(upgrade)) {
      problems.push({ field: `${basePath}.upgrade`, message: 'must be an object' });
    } else {
      rollout = {
        maxSurge: wholeNumber(upgrade['maxSurge'], `${basePath}.upgrade.maxSurge`, 1, problems),
        maxUnavailable: wholeNumber(
          upgrade['maxUnavailable'],
          `${basePath}.upgrade.maxUnavailable`,
          0,
          problems,
        ),
      };
      if (rollout.maxSurge === 0 && rollout.maxUnavailable === 0) {
        problems.push({
          field: `${basePath}.upgrade`,
          message: 'maxSurge and maxUnavailable must not both be 0: the rollout could never move',
        });
      }
    }
  }

  const machine = values['machine'];
  if (machine !== undefined && !isPlainObject(machine)) {
    problems.push({ field: `${basePath}.machine`, message: 'must be an object' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    shape: { controlPlanes, workers, rollout, machine: isPlainObject(machine) ? machine : {} },
  };
}
