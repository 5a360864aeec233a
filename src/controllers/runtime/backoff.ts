// Exponential backoff with full jitter (the AWS Architecture Blog's "Exponential Backoff
// And Jitter"): the n-th consecutive failure waits a uniformly random time between 0 and
// min(max, base * 2^(n-1)). Spreading retries over the whole window keeps many keys that
// failed together (a hypervisor restart) from retrying in lockstep.
import type { RandomSource } from './timers.ts';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay (ms). Default 50. */
  baseMs?: number;
  /** Largest ceiling (ms). Default 5 minutes. */
  maxMs?: number;
}

export const defaultBackoff: Required<BackoffOptions> = { baseMs: 50, maxMs: 5 * 60_000 };

/** The upper bound of the delay after `failures` consecutive failures (1 = the first). */
export function backoffCeiling(failures: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? defaultBackoff.baseMs;
  const max = opts.maxMs ?? defaultBackoff.maxMs;
  if (failures < 1) return 0;
  // 2^(n-1) overflows to Infinity for large n; min() keeps the cap.
  return Math.min(max, base * 2 ** Math.min(failures - 1, 1024));
}

/** A delay drawn uniformly from [0, ceiling], for `failures` consecutive failures. */
export function backoffDelay(
  failures: number,
  random: RandomSource,
  opts: BackoffOptions = {},
): number {
  return Math.round(random() * backoffCeiling(failures, opts));
}

/** `period` spread by ± `fraction` (0.1 = ±10%), so periodic work does not line up. */
export function jittered(period: number, fraction: number, random: RandomSource): number {
  return Math.round(period * (1 - fraction + 2 * fraction * random()));
}
