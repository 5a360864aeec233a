// `slipway upgrade cluster`: move a cluster to the next template of its upgrade chain,
// or list where it may go.
import type { Command } from 'commander';
import { clusterDeploymentKind, type ClusterDeployment } from '../../api/index.ts';
import { statusIsCurrent } from '../cluster-progress.ts';
import type { CommandContext } from '../context.ts';
import { namespaceOrDefault, objectRef, resourcePath } from '../resources.ts';
import {
  addClusterWaitOptions,
  clusterWaitTimeout,
  waitIfAsked,
  type ClusterWaitFlags,
} from './cluster-wait-options.ts';
import { globalOptions } from './global-options.ts';
import { mergePatchType } from './scale.ts';

interface UpgradeClusterOptions extends ClusterWaitFlags {
  template?: string;
  namespace?: string;
}

export function registerUpgrade(program: Command, ctx: CommandContext): void {
  const upgrade = program
    .command('upgrade')
    .summary('upgrade a cluster: upgrade cluster NAME')
    .description('Upgrade a cluster along the upgrade targets of its ClusterTemplate.');
  const cluster = upgrade
    .command('cluster')
    .aliases(['clusterdeployment', 'cld'])
    .summary('switch a cluster to another template, or list the ones it may switch to')
    .description(
      'With --template, set spec.template (a merge patch): control planes roll one\n' +
        'at a time, then workers. Only a template listed in the upgrade targets of the\n' +
        'current one is accepted; the server says which are. Without --template, list\n' +
        'the upgrades available to the cluster (status.availableUpgrades).',
    )
    .argument('<name>', 'name of the cluster')
    .option('--template <template>', 'ClusterTemplate to upgrade to')
    .option('-n, --namespace <namespace>', 'namespace of the cluster (default "default")')
    .addHelpText(
      'after',
      `
Examples:
  slipway upgrade cluster demo
  slipway upgrade cluster demo --template sim-k3s-single-v2 --wait`,
    );
  addClusterWaitOptions(cluster).action(
    async (name: string, options: UpgradeClusterOptions, command: Command) => {
      clusterWaitTimeout(options);
      const namespace = namespaceOrDefault(options.namespace);
      const client = await ctx.client(globalOptions(command));
      const path = resourcePath(clusterDeploymentKind, namespace, name);
      const ref = objectRef(clusterDeploymentKind, name);
      const current = await client.request<ClusterDeployment>('GET', path);
      if (options.template === undefined) {
        ctx.out(availableUpgrades(ref, current));
        return;
      }
      const startedAt = ctx.now();
      if (current.spec.template === options.template) {
        ctx.out(`${ref} already uses template ${options.template}\n`);
      } else {
        await client.request('PATCH', path, {
          body: { spec: { template: options.template } },
          contentType: mergePatchType,
        });
        ctx.out(`${ref} upgrading from ${current.spec.template} to ${options.template}\n`);
      }
      await waitIfAsked(ctx, client, { namespace, name }, options, startedAt);
    },
  );
}

/** What `upgrade cluster NAME` prints without --template. */
function availableUpgrades(ref: string, cluster: ClusterDeployment): string {
  const version = cluster.status?.version ? ` (${cluster.status.version})` : '';
  const head = `${ref} uses template ${cluster.spec.template}${version}`;
  const targets = cluster.status?.availableUpgrades;
  if (targets === undefined) {
    return `${head}; its available upgrades are not reported yet\n`;
  }
  const stale = statusIsCurrent(cluster)
    ? ''
    : ' (the controller has not caught up with the latest change yet)';
  if (targets.length === 0) return `${head}; no upgrades available${stale}\n`;
  return `${head}; available upgrades${stale}:\n${targets.map((t) => `  ${t}\n`).join('')}`;
}
