// Template values: a ClusterTemplate's `defaults` with a ClusterDeployment's
// `spec.config` merged over them. Shared by the controllers (which build clusters from
// the merged values) and admission (which counts them against project quotas), so both
// read the same numbers.
import { isPlainObject } from './json.ts';

export type Values = Record<string, unknown>;

/**
 * `override` merged over `base`: objects merge key by key, anything else (arrays,
 * scalars, null) in `override` replaces what `base` has. Neither input is changed.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return structuredClone(base);
  if (!isPlainObject(base) || !isPlainObject(override)) return structuredClone(override);
  const merged: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    merged[key] = deepMerge(base[key], value);
  }
  return merged;
}

/**
 * A template's defaults with the cluster's config over them.
 *
 * @example mergeValues({ workersNumber: 2, machine: { vcpu: 2 } }, { machine: { vcpu: 4 } })
 *   // → { workersNumber: 2, machine: { vcpu: 4 } }
 */
export function mergeValues(defaults: Values | undefined, config: Values | undefined): Values {
  const merged = deepMerge(defaults ?? {}, config ?? {});
  return isPlainObject(merged) ? merged : {};
}
