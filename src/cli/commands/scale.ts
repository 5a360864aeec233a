// `slipway scale cluster`: change the number of workers or control planes.
import type { Command } from 'commander';
import { clusterDeploymentKind } from '../../api/index.ts';
import { countOption } from '../cluster-values.ts';
import type { CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { namespaceOrDefault, objectRef, resourcePath } from '../resources.ts';
import {
  addClusterWaitOptions,
  clusterWaitTimeout,
  waitIfAsked,
  type ClusterWaitFlags,
} from './cluster-wait-options.ts';
import { globalOptions } from './global-options.ts';

/** The content type of JSON merge patches (RFC 7386). */
export const mergePatchType = 'application/merge-patch+json';

interface ScaleClusterOptions extends ClusterWaitFlags {
  workers?: string;
  controlPlanes?: string;
  namespace?: string;
}

export function registerScale(program: Command, ctx: CommandContext): void {
  const scale = program
    .command('scale')
    .summary('resize a cluster: scale cluster NAME')
    .description('Change how many nodes a cluster has.');
  const cluster = scale
    .command('cluster')
    .aliases(['clusterdeployment', 'cld'])
    .summary("set a cluster's number of workers and control planes")
    .description(
      'Set spec.config.workersNumber and/or controlPlaneNumber (a merge patch).\n' +
        'The controller adds machines, or drains and removes the newest ones; control\n' +
        'planes change one at a time so etcd keeps quorum.\n' +
        'Prints "clusterdeployment/NAME scaled".',
    )
    .argument('<name>', 'name of the cluster')
    .option('--workers <n>', 'worker nodes')
    .option('--control-planes <n>', 'control-plane nodes: 1, 3 or 5')
    .option('-n, --namespace <namespace>', 'namespace of the cluster (default "default")')
    .addHelpText(
      'after',
      `
Examples:
  slipway scale cluster demo --workers 5 --wait
  slipway scale cluster prod --control-planes 3 -n team-a`,
    );
  addClusterWaitOptions(cluster).action(
    async (name: string, options: ScaleClusterOptions, command: Command) => {
      const config: Record<string, number> = {};
      if (options.workers !== undefined) {
        config['workersNumber'] = countOption(options.workers, '--workers', 0);
      }
      if (options.controlPlanes !== undefined) {
        config['controlPlaneNumber'] = countOption(options.controlPlanes, '--control-planes', 1);
      }
      if (Object.keys(config).length === 0) {
        throw new CliError('say how big: --workers N and/or --control-planes N');
      }
      clusterWaitTimeout(options);
      const namespace = namespaceOrDefault(options.namespace);
      const client = await ctx.client(globalOptions(command));
      const startedAt = ctx.now();
      await client.request('PATCH', resourcePath(clusterDeploymentKind, namespace, name), {
        body: { spec: { config } },
        contentType: mergePatchType,
      });
      ctx.out(`${objectRef(clusterDeploymentKind, name)} scaled\n`);
      await waitIfAsked(ctx, client, { namespace, name }, options, startedAt);
    },
  );
}
