// `slipway create cluster`: build a ClusterDeployment from flags instead of YAML.
import { Option, type Command } from 'commander';
import { ApiVersion, clusterDeploymentKind, type ClusterDeployment } from '../../api/index.ts';
import {
  configFromAssignments,
  countOption,
  parseLabels,
  type ConfigValues,
} from '../cluster-values.ts';
import { defaultCredential, findClusterTemplate } from '../cluster-references.ts';
import type { CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { toJson, toYaml } from '../printers.ts';
import { namespaceOrDefault, objectRef, resourcePath } from '../resources.ts';
import { collect } from './apply.ts';
import {
  addClusterWaitOptions,
  clusterWaitTimeout,
  waitIfAsked,
  type ClusterWaitFlags,
} from './cluster-wait-options.ts';
import { globalOptions } from './global-options.ts';

interface CreateClusterOptions extends ClusterWaitFlags {
  template: string;
  credential?: string;
  workers?: string;
  controlPlanes?: string;
  set?: string[];
  setString?: string[];
  namespace?: string;
  labels?: string;
  dryRun?: 'none' | 'server' | 'client';
  output?: 'yaml' | 'json';
}

export function registerCreate(program: Command, ctx: CommandContext): void {
  const create = program
    .command('create')
    .summary('create a cluster from flags (create cluster)')
    .description('Create a resource from command-line flags instead of a manifest.');
  const cluster = create
    .command('cluster')
    .aliases(['clusterdeployment', 'cld'])
    .summary('create a ClusterDeployment from a template')
    .description(
      'Build a ClusterDeployment from a ClusterTemplate and create it.\n\n' +
        "Without --credential, the one Credential for the template's provider in the\n" +
        'namespace or slipway-system is used; if there are several, an error lists them.\n' +
        '--set writes dotted keys into spec.config, the values read as YAML scalars\n' +
        '(4 is a number, true a boolean, anything else text); --set-string keeps text.\n' +
        'Prints "clusterdeployment/NAME created".',
    )
    .argument('<name>', 'name of the cluster')
    .requiredOption('--template <template>', 'ClusterTemplate to build the cluster from')
    .option('--credential <credential>', 'Credential to build it with (default: see above)')
    .option('--workers <n>', 'worker nodes (spec.config.workersNumber)')
    .option('--control-planes <n>', 'control-plane nodes: 1, 3 or 5 (controlPlaneNumber)')
    .option(
      '--set <key=value>',
      'a value in spec.config, e.g. machine.vcpu=4 (repeatable)',
      collect,
    )
    .option('--set-string <key=value>', 'like --set, the value kept as text (repeatable)', collect)
    .option('-n, --namespace <namespace>', 'namespace of the cluster (default "default")')
    .option('--labels <k=v,...>', 'labels of the ClusterDeployment')
    .addOption(
      new Option(
        '--dry-run [strategy]',
        'server: run the whole server-side admission, store nothing',
      )
        .choices(['none', 'server', 'client'])
        .preset('server'),
    )
    .addOption(
      new Option('-o, --output <format>', 'print the created object instead of a line').choices([
        'yaml',
        'json',
      ]),
    )
    .addHelpText(
      'after',
      `
Examples:
  slipway create cluster demo --template sim-k3s-single --workers 2 --wait
  slipway create cluster prod --template k3s-ha --credential pve --control-planes 3 \\
      --set machine.vcpu=4 --set machine.memoryMiB=8192 -n team-a --labels env=prod
  slipway create cluster demo --template sim-k3s-single --dry-run=server -o yaml`,
    );
  addClusterWaitOptions(cluster).action(
    async (name: string, options: CreateClusterOptions, command: Command) => {
      if (options.dryRun === 'client') {
        throw new CliError('--dry-run=client is not supported; use --dry-run=server');
      }
      const dryRun = options.dryRun === 'server';
      if (dryRun && options.wait) throw new CliError('--wait cannot be used with --dry-run');
      clusterWaitTimeout(options);
      const namespace = namespaceOrDefault(options.namespace);
      const config = clusterConfig(options);
      const labels = options.labels === undefined ? undefined : parseLabels(options.labels);
      const client = await ctx.client(globalOptions(command));
      const credential =
        options.credential ??
        (await defaultCredential(
          client,
          namespace,
          await findClusterTemplate(client, namespace, options.template),
        ));
      const object: ClusterDeployment = {
        apiVersion: ApiVersion,
        kind: 'ClusterDeployment',
        metadata: {
          name,
          namespace,
          ...(labels ? { labels } : {}),
        },
        spec: {
          template: options.template,
          credential,
          ...(Object.keys(config).length > 0 ? { config } : {}),
        },
      };
      const startedAt = ctx.now();
      const created = await client.request<ClusterDeployment>(
        'POST',
        resourcePath(clusterDeploymentKind, namespace),
        { body: object, ...(dryRun ? { query: { dryRun: 'All' } } : {}) },
      );
      if (options.output === 'yaml') ctx.out(toYaml(created));
      else if (options.output === 'json') ctx.out(toJson(created));
      else {
        const suffix = dryRun ? ' (server dry run)' : '';
        ctx.out(`${objectRef(clusterDeploymentKind, name)} created${suffix}\n`);
      }
      await waitIfAsked(ctx, client, { namespace, name }, options, startedAt);
    },
  );
}

/** spec.config from --set, --set-string, --workers and --control-planes. */
function clusterConfig(options: CreateClusterOptions): ConfigValues {
  const config = configFromAssignments(options.set ?? [], options.setString ?? []);
  const counts = [
    { flag: '--workers', key: 'workersNumber', text: options.workers, minimum: 0 },
    {
      flag: '--control-planes',
      key: 'controlPlaneNumber',
      text: options.controlPlanes,
      minimum: 1,
    },
  ];
  for (const { flag, key, text, minimum } of counts) {
    if (text === undefined) continue;
    if (Object.hasOwn(config, key)) throw new CliError(`give ${flag} or --set ${key}=…, not both`);
    config[key] = countOption(text, flag, minimum);
  }
  return config;
}
