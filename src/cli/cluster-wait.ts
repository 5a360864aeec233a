// Waiting for a ClusterDeployment to be Ready, showing its progress on the way: the
// cluster and its Machines are followed by watch (no polling); the timeout is a signal.
import {
  clusterDeploymentKind,
  machineKind,
  type AnyResource,
  type ClusterDeployment,
  type KindDefinition,
  type Machine,
} from '../api/index.ts';
import type { ApiClient } from './client.ts';
import { clusterVerdict, progressLine, type ProgressSnapshot } from './cluster-progress.ts';
import type { TextWriter } from './context.ts';
import { CliError, formatError } from './errors.ts';
import { observe } from './observe.ts';
import { progressDisplay } from './progress-display.ts';
import { objectRef, resourcePath } from './resources.ts';
import type { WaitCondition } from './wait-for.ts';

/** The label every Machine carries with the name of its cluster. */
export const clusterLabel = 'slipway.dev/cluster';

export interface ClusterWaitOptions {
  /** No limit when undefined. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where progress goes; redrawn in place when it is a terminal. */
  out: TextWriter;
  now: () => number;
  /** When the wait started (default: now); elapsed times count from here. */
  startedAt?: number;
  redrawIntervalMs?: number;
}

/** Whether `slipway wait` should wait for this the way `create --wait` does, with progress. */
export function isClusterReadyWait(kind: KindDefinition, wanted: WaitCondition): boolean {
  return (
    kind === clusterDeploymentKind &&
    wanted.type === 'condition' &&
    wanted.condition.toLowerCase() === 'ready' &&
    wanted.status.toLowerCase() === 'true'
  );
}

/**
 * Follow the cluster and its Machines until the cluster is Ready (see `clusterVerdict`)
 * and return it. Throws a CliError with the failing condition when it fails, when it
 * does not exist or is deleted, and when the timeout passes (saying where it stood).
 */
export async function waitForClusterReady(
  client: ApiClient,
  namespace: string,
  name: string,
  options: ClusterWaitOptions,
): Promise<ClusterDeployment> {
  const ref = objectRef(clusterDeploymentKind, name);
  const timeout =
    options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const stop = new AbortController();
  const signal = AbortSignal.any(
    [stop.signal, options.signal, timeout].filter((s) => s !== undefined),
  );
  const display = progressDisplay({
    out: options.out,
    now: options.now,
    startedAt: options.startedAt ?? options.now(),
    ...(options.redrawIntervalMs === undefined
      ? {}
      : { redrawIntervalMs: options.redrawIntervalMs }),
  });

  let cluster: ClusterDeployment | undefined;
  const machines = new Map<string, Machine>();
  let machinesListed = false;
  let machinesUnavailable: string | undefined;
  const snapshot = (): ProgressSnapshot | undefined =>
    cluster && {
      ref,
      cluster,
      ...(machinesListed ? { machines: [...machines.values()] } : {}),
      ...(machinesUnavailable ? { machinesUnavailable } : {}),
    };
  /** Shown once the machines are known too (else "none" would be a lie), or at the end. */
  const show = (final = false) => {
    const now = snapshot();
    if (now && (final || machinesListed || machinesUnavailable)) display.update(now);
  };

  let settle: { resolve: (c: ClusterDeployment) => void; reject: (e: Error) => void };
  const outcome = new Promise<ClusterDeployment>((resolve, reject) => {
    settle = { resolve, reject };
  });

  const followCluster = async (): Promise<never> => {
    const observations = observe(client, resourcePath(clusterDeploymentKind, namespace), {
      fieldSelector: `metadata.name=${name}`,
      signal,
    });
    for await (const seen of observations) {
      const object =
        seen.type === 'SNAPSHOT'
          ? seen.items.find((item) => item.metadata.name === name)
          : seen.object.metadata.name !== name
            ? cluster
            : seen.type === 'DELETED'
              ? undefined
              : seen.object;
      if (!object) {
        throw new CliError(
          seen.type === 'SNAPSHOT'
            ? `clusterdeployments "${name}" not found in namespace "${namespace}"`
            : `${ref} was deleted while waiting for it to be Ready`,
        );
      }
      cluster = object as ClusterDeployment;
      const verdict = clusterVerdict(cluster);
      show(verdict.state !== 'waiting');
      if (verdict.state === 'ready') settle.resolve(cluster);
      if (verdict.state === 'failed')
        settle.reject(new CliError(`${ref} failed: ${verdict.message}`));
    }
    throw new Error('the watch ended');
  };

  const followMachines = async (): Promise<void> => {
    const ownedByCluster = (m: AnyResource) => m.metadata.labels?.[clusterLabel] === name;
    try {
      const observations = observe(client, resourcePath(machineKind, namespace), {
        labelSelector: `${clusterLabel}=${name}`,
        signal,
      });
      for await (const seen of observations) {
        if (seen.type === 'SNAPSHOT') {
          machinesListed = true;
          machines.clear();
          for (const item of seen.items.filter(ownedByCluster)) {
            machines.set(item.metadata.name, item as Machine);
          }
        } else if (seen.type === 'DELETED' || !ownedByCluster(seen.object)) {
          machines.delete(seen.object.metadata.name);
        } else {
          machines.set(seen.object.metadata.name, seen.object as Machine);
        }
        show();
      }
    } catch (err: unknown) {
      // Machines only add detail: a user who may not read them still sees the cluster.
      if (signal.aborted) return;
      machinesUnavailable = formatError(err).replace(/^error: /, '');
      show();
    }
  };

  const clusterTask = followCluster();
  const machineTask = followMachines();
  try {
    return await Promise.race([outcome, clusterTask]);
  } catch (err: unknown) {
    if (timeout?.aborted && !options.signal?.aborted) {
      const last = snapshot();
      throw new CliError(
        `timed out waiting for ${ref} to be Ready; ${last ? `last seen: ${progressLine(last)}` : 'it was never seen'}`,
      );
    }
    throw err;
  } finally {
    display.stop();
    stop.abort();
    await Promise.allSettled([clusterTask, machineTask]);
  }
}
