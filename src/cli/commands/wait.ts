// `slipway wait`: block until objects meet a condition or are deleted.
import type { Command } from 'commander';
import { isClusterReadyWait, waitForClusterReady } from '../cluster-wait.ts';
import type { CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { namespaceOrDefault, objectRef, parseResourceArgs } from '../resources.ts';
import { parseWaitFor, waitForObject, type WaitCondition } from '../wait-for.ts';
import { durationOption } from './delete.ts';
import { globalOptions } from './global-options.ts';

interface WaitOptions {
  for?: string;
  timeout: string;
  namespace?: string;
}

export function registerWait(program: Command, ctx: CommandContext): void {
  program
    .command('wait')
    .summary('wait until resources meet a condition or are deleted')
    .description(
      'Watch the named objects until each meets the --for condition. Exits non-zero when\n' +
        'the timeout passes first, or when an object waited on for a condition does not exist.\n' +
        'A ClusterDeployment waited on for condition=Ready shows its progress, counts\n' +
        'as Ready once the controller has seen its latest spec and no rollout is\n' +
        'running, and fails as soon as its phase is Failed.',
    )
    .argument('<resources...>', 'KIND/NAME... or KIND NAME...')
    .requiredOption(
      '--for <condition>',
      'delete, condition=TYPE[=True|False|Unknown] (default True) or jsonpath={.path}=VALUE',
    )
    .option('--timeout <duration>', 'how long to wait in total, e.g. 30s, 5m, 1h30m', '30s')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds (default "default")')
    .addHelpText(
      'after',
      `
Examples:
  slipway wait clusterdeployment/demo --for=condition=Ready --timeout=15m
  slipway wait machine/demo-cp-0 --for=condition=Ready=False
  slipway wait cld/demo --for=delete --timeout=5m`,
    )
    .action(async (resources: string[], options: WaitOptions, command: Command) => {
      const wanted = parseWaitFor(options.for ?? '');
      const timeoutMs = durationOption(options.timeout);
      const namespace = namespaceOrDefault(options.namespace);
      const targets = parseResourceArgs(resources);
      if (targets.some((t) => t.names.length === 0)) {
        throw new CliError(
          'name the objects to wait for, e.g. "slipway wait cld/demo --for=delete"',
        );
      }
      const client = await ctx.client(globalOptions(command));
      const deadline = ctx.now() + timeoutMs;
      for (const { kind, names } of targets) {
        for (const name of names) {
          const waitOptions = {
            timeoutMs: Math.max(0, deadline - ctx.now()),
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          };
          // A cluster waited on for Ready shows its progress and stops early if it fails.
          if (isClusterReadyWait(kind, wanted)) {
            await waitForClusterReady(client, namespace, name, {
              ...waitOptions,
              out: ctx.io.stdout,
              now: () => ctx.now(),
            });
          } else {
            const ns = kind.namespaced ? namespace : undefined;
            await waitForObject(client, kind, ns, name, wanted, waitOptions);
          }
          ctx.out(`${objectRef(kind, name)} ${metMessage(wanted)}\n`);
        }
      }
    });
}

function metMessage(wanted: WaitCondition): string {
  return wanted.type === 'delete' ? 'deleted' : 'condition met';
}
