// `--wait [--timeout]` of the cluster commands (create, scale, upgrade): wait for Ready
// with live progress, then say how it ended.
import type { Command } from 'commander';
import { clusterDeploymentKind } from '../../api/index.ts';
import type { ApiClient } from '../client.ts';
import { waitForClusterReady } from '../cluster-wait.ts';
import type { CommandContext } from '../context.ts';
import { humanDuration } from '../duration.ts';
import { objectRef } from '../resources.ts';
import { durationOption } from './delete.ts';

export interface ClusterWaitFlags {
  wait?: boolean;
  timeout: string;
}

export function addClusterWaitOptions(command: Command): Command {
  return command
    .option(
      '--wait',
      'then wait until the cluster is Ready, showing its progress; fails if the cluster fails',
    )
    .option('--timeout <duration>', 'with --wait, give up after this long (0: no limit)', '10m');
}

/** The timeout flag in ms, undefined for no limit; read before changing anything. */
export function clusterWaitTimeout(flags: ClusterWaitFlags): number | undefined {
  const ms = durationOption(flags.timeout);
  return ms === 0 ? undefined : ms;
}

/** With `--wait`: follow the cluster until Ready and print how long it took. */
export async function waitIfAsked(
  ctx: CommandContext,
  client: ApiClient,
  target: { namespace: string; name: string },
  flags: ClusterWaitFlags,
  startedAt: number,
): Promise<void> {
  if (!flags.wait) return;
  const timeoutMs = clusterWaitTimeout(flags);
  const cluster = await waitForClusterReady(client, target.namespace, target.name, {
    out: ctx.io.stdout,
    now: () => ctx.now(),
    startedAt,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const details = [
    cluster.status?.readyNodes ? `${cluster.status.readyNodes} nodes` : undefined,
    cluster.status?.version,
  ].filter((d) => d !== undefined);
  const about = details.length > 0 ? ` (${details.join(', ')})` : '';
  const ref = objectRef(clusterDeploymentKind, target.name);
  ctx.out(`${ref} is Ready${about} after ${humanDuration(ctx.now() - startedAt)}\n`);
}
