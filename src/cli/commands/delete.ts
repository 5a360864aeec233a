// `slipway delete`: delete objects named on the command line or in manifests.
import type { Command } from 'commander';
import type { KindDefinition } from '../../api/index.ts';
import type { CommandContext } from '../context.ts';
import { parseDuration } from '../duration.ts';
import { CliError, formatError, isApiError } from '../errors.ts';
import { manifestTarget } from '../manifest-target.ts';
import { readManifests } from '../manifests.ts';
import { namespaceOrDefault, objectRef, parseResourceArgs, resourcePath } from '../resources.ts';
import { waitForObject } from '../wait-for.ts';
import { collect } from './apply.ts';
import { globalOptions } from './global-options.ts';

interface DeleteOptions {
  filename?: string[];
  namespace?: string;
  wait?: boolean;
  timeout?: string;
  ignoreNotFound?: boolean;
}

interface DeleteTarget {
  kind: KindDefinition;
  namespace: string | undefined;
  name: string;
}

export function registerDelete(program: Command, ctx: CommandContext): void {
  program
    .command('delete')
    .summary('delete resources by name or from files')
    .description(
      'Delete objects named as KIND NAME..., KIND/NAME... or by the manifests in -f files.\n' +
        'Objects with finalizers are only marked for deletion until their controllers finish;\n' +
        '--wait waits until they are really gone.',
    )
    .argument('[resources...]', 'KIND NAME... or KIND/NAME...')
    .option(
      '-f, --filename <path>',
      'delete the objects in this file, directory or - (repeatable)',
      collect,
    )
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds (default "default")')
    .option('--wait', 'wait until the objects are gone (finalizers done)')
    .option(
      '--timeout <duration>',
      'with --wait, give up after this long (e.g. 5m); default no limit',
    )
    .option('--ignore-not-found', 'treat objects that do not exist as deleted')
    .addHelpText(
      'after',
      `
Examples:
  slipway delete clusterdeployment demo --wait --timeout 10m
  slipway delete cld/demo ct/k3s-1-31
  slipway delete -f cluster.yaml`,
    )
    .action(async (resources: string[], options: DeleteOptions, command: Command) => {
      const targets = await deleteTargets(ctx, resources, options);
      const timeoutMs = options.timeout === undefined ? undefined : durationOption(options.timeout);
      const client = await ctx.client(globalOptions(command));
      const pending: DeleteTarget[] = [];
      for (const target of targets) {
        const ref = objectRef(target.kind, target.name);
        try {
          await client.request('DELETE', resourcePath(target.kind, target.namespace, target.name));
          ctx.out(`${ref} deleted\n`);
          pending.push(target);
        } catch (err: unknown) {
          if (ctx.signal?.aborted) throw err;
          if (options.ignoreNotFound && isApiError(err, 404)) continue;
          ctx.err(`${formatError(err)}\n`);
          ctx.exitCode = 1;
        }
      }
      if (!options.wait) return;
      const deadline = timeoutMs === undefined ? undefined : ctx.now() + timeoutMs;
      for (const { kind, namespace, name } of pending) {
        const remaining = deadline === undefined ? undefined : Math.max(0, deadline - ctx.now());
        await waitForObject(
          client,
          kind,
          namespace,
          name,
          { type: 'delete' },
          {
            ...(remaining === undefined ? {} : { timeoutMs: remaining }),
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          },
        );
      }
    });
}

async function deleteTargets(
  ctx: CommandContext,
  resources: string[],
  options: DeleteOptions,
): Promise<DeleteTarget[]> {
  const files = options.filename ?? [];
  if (files.length > 0 && resources.length > 0) {
    throw new CliError('give either -f FILE or KIND NAME..., not both');
  }
  if (files.length > 0) {
    const manifests = await readManifests(files, ctx.io.readStdin);
    return manifests.map((manifest) => manifestTarget(manifest, options.namespace));
  }
  if (resources.length === 0) {
    throw new CliError('must specify -f FILE or KIND NAME... (e.g. "slipway delete cld demo")');
  }
  const namespace = namespaceOrDefault(options.namespace);
  return parseResourceArgs(resources).flatMap(({ kind, names }) => {
    if (names.length === 0) {
      throw new CliError(
        `name the ${kind.plural} to delete, e.g. "slipway delete ${kind.singular} NAME"`,
      );
    }
    return names.map((name) => ({
      kind,
      namespace: kind.namespaced ? namespace : undefined,
      name,
    }));
  });
}

/** Parse a duration flag, reporting which flag was wrong. */
export function durationOption(text: string, flag = '--timeout'): number {
  try {
    return parseDuration(text);
  } catch (err: unknown) {
    throw new CliError(`${flag}: ${(err as Error).message}`);
  }
}
