// When a settled cluster and its machines are looked at again. Each cluster has its own
// tick, every `intervalMs` at a phase drawn from its uid: the cluster and all of its
// machines come due at the same moment, so one connection and one node list serve them
// all, and a fleet's checks spread evenly over the interval instead of bunching up
// behind whatever created the clusters together.

/** Checks closer than this to the pass that schedules them wait for the next tick. */
const minimumDelayMs = 1_000;

/** FNV-1a, 32 bits: a stable, well-spread number from a uid. */
function phaseSeed(uid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) {
    hash ^= uid.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Milliseconds from `nowMs` to the next steady check of the cluster whose uid is given
 * (its machines pass their cluster's uid): between 1 s and `intervalMs` + 1 s.
 *
 * @example
 * return { requeueAfter: untilSteadyCheck(settings.steadyIntervalMs, cluster.metadata.uid ?? '', now.getTime()) };
 */
export function untilSteadyCheck(intervalMs: number, clusterUID: string, nowMs: number): number {
  const interval = Math.max(1, Math.round(intervalMs));
  const phase = phaseSeed(clusterUID) % interval;
  let delay = (((phase - nowMs) % interval) + interval) % interval;
  if (delay < Math.min(minimumDelayMs, interval)) delay += interval;
  return delay;
}
