// `slipway apply -f`: make the server hold what the manifests declare.
import { Option, type Command } from 'commander';
import { applyObject } from '../apply-object.ts';
import type { CommandContext } from '../context.ts';
import { CliError, formatError } from '../errors.ts';
import { manifestTarget } from '../manifest-target.ts';
import { readManifests, requireFiles } from '../manifests.ts';
import { objectRef } from '../resources.ts';
import { globalOptions } from './global-options.ts';

interface ApplyOptions {
  filename?: string[];
  namespace?: string;
  dryRun?: 'none' | 'server' | 'client';
}

/** Collect a repeatable option into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerApply(program: Command, ctx: CommandContext): void {
  program
    .command('apply')
    .summary('create or update resources from files')
    .description(
      'Create or update every object in the given files so the server holds what they declare.\n' +
        'Files hold one or more YAML documents (separated by ---) or JSON; a directory applies its\n' +
        '*.yaml, *.yml and *.json files in name order; - reads standard input. Prints\n' +
        'KIND/NAME created, configured or unchanged per object; objects that fail are reported\n' +
        'and the others still applied (exit code 1 when any failed).',
    )
    .option('-f, --filename <path>', 'file, directory or - (repeatable)', collect)
    .option(
      '-n, --namespace <namespace>',
      'namespace for objects that name none (default "default")',
    )
    .addOption(
      new Option(
        '--dry-run [strategy]',
        'server: run the whole server-side admission, store nothing',
      )
        .choices(['none', 'server', 'client'])
        .preset('server'),
    )
    .addHelpText(
      'after',
      `
Examples:
  slipway apply -f cluster.yaml
  slipway apply -f manifests/ --dry-run=server
  cat cluster.yaml | slipway apply -f -`,
    )
    .action(async (options: ApplyOptions, command: Command) => {
      if (options.dryRun === 'client') {
        throw new CliError('--dry-run=client is not supported; use --dry-run=server');
      }
      const files = requireFiles(options.filename);
      const manifests = await readManifests(files, ctx.io.readStdin);
      if (manifests.length === 0) throw new CliError('no objects passed to apply');
      const client = await ctx.client(globalOptions(command));
      const dryRun = options.dryRun === 'server';
      const suffix = dryRun ? ' (server dry run)' : '';
      for (const manifest of manifests) {
        let ref = manifest.source;
        try {
          const target = manifestTarget(manifest, options.namespace);
          ref = objectRef(target.kind, target.name);
          const { action } = await applyObject(client, target, { dryRun });
          ctx.out(`${ref} ${action}${suffix}\n`);
        } catch (err: unknown) {
          if (ctx.signal?.aborted) throw err;
          ctx.err(`${formatError(err, `error applying ${ref} from ${manifest.source}`)}\n`);
          ctx.exitCode = 1;
        }
      }
    });
}
