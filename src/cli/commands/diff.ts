// `slipway diff -f`: what apply would change, computed by a server-side dry run.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { AnyResource } from '../../api/index.ts';
import { applyObject } from '../apply-object.ts';
import type { CommandContext } from '../context.ts';
import { formatError } from '../errors.ts';
import { isRecord } from '../objects.ts';
import { manifestTarget, type ManifestTarget } from '../manifest-target.ts';
import { readManifests, requireFiles } from '../manifests.ts';
import { unifiedDiff } from '../unified-diff.ts';
import { collect } from './apply.ts';
import { globalOptions } from './global-options.ts';

/** Metadata that changes on every write and says nothing about what was declared. */
const volatileMetadata = [
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'managedFields',
];

export function registerDiff(program: Command, ctx: CommandContext): void {
  program
    .command('diff')
    .summary('show what apply would change')
    .description(
      'For each object in the files, ask the server what applying it would store (server-side\n' +
        'dry run: defaults and admission included, nothing written) and print a unified diff\n' +
        'of the live object against that, as YAML. Secret values show as ***.\n\n' +
        'Exit status: 0 no differences, 1 differences found, 2 an error occurred.',
    )
    .option('-f, --filename <path>', 'file, directory or - (repeatable)', collect)
    .option(
      '-n, --namespace <namespace>',
      'namespace for objects that name none (default "default")',
    )
    .action(async (options: { filename?: string[]; namespace?: string }, command: Command) => {
      let differences = false;
      let failed = false;
      try {
        const manifests = await readManifests(requireFiles(options.filename), ctx.io.readStdin);
        const client = await ctx.client(globalOptions(command));
        for (const manifest of manifests) {
          try {
            const target = manifestTarget(manifest, options.namespace);
            const applied = await applyObject(client, target, { dryRun: true });
            const [live, result] = target.kind.encryptedAtRest
              ? maskSecretData(applied.live, applied.result)
              : [applied.live, applied.result];
            const diff = unifiedDiff(comparableYaml(live), comparableYaml(result), {
              oldLabel: `live/${objectPath(target)}`,
              newLabel: `merged/${objectPath(target)}`,
            });
            if (diff) {
              differences = true;
              ctx.out(diff);
            }
          } catch (err: unknown) {
            if (ctx.signal?.aborted) throw err;
            ctx.err(`${formatError(err, `error diffing ${manifest.source}`)}\n`);
            failed = true;
          }
        }
      } catch (err: unknown) {
        if (ctx.signal?.aborted) throw err;
        ctx.err(`${formatError(err)}\n`);
        failed = true;
      }
      // kubectl's convention: 1 means "there are differences", so errors need another code.
      ctx.exitCode = failed ? 2 : differences ? 1 : 0;
    });
}

function objectPath(target: ManifestTarget): string {
  const scope = target.namespace ? `${target.namespace}/` : '';
  return `${target.kind.singular}/${scope}${target.name}`;
}

/** The object as sorted YAML without volatile metadata; empty for an absent object. */
export function comparableYaml(object: AnyResource | undefined): string {
  if (!object) return '';
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const field of volatileMetadata) delete metadata[field];
  return stringify({ ...object, metadata }, { sortMapEntries: true, lineWidth: 0 });
}

/**
 * Both versions with every `data` value replaced by `***` (`*** (before)`/`*** (after)`
 * where it changes), as kubectl diff does: a diff of Secrets often ends up in CI logs.
 */
export function maskSecretData(
  live: AnyResource | undefined,
  merged: AnyResource,
): [AnyResource | undefined, AnyResource] {
  const before = isRecord(live?.['data']) ? live['data'] : {};
  const after = isRecord(merged['data']) ? merged['data'] : {};
  const mask = (data: Record<string, unknown>, other: Record<string, unknown>, label: string) =>
    Object.fromEntries(
      Object.keys(data).map((key) => [
        key,
        key in other && other[key] !== data[key] ? `*** (${label})` : '***',
      ]),
    );
  const masked = (object: AnyResource, data: Record<string, unknown>, label: string) =>
    'data' in object
      ? { ...object, data: mask(data, label === 'before' ? after : before, label) }
      : object;
  return [live && masked(live, before, 'before'), masked(merged, after, 'after')];
}
