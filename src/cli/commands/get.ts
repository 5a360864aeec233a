// `slipway get`: tables, YAML, JSON or names of one or many objects, optionally watching.
import { Option, type Command } from 'commander';
import { ApiVersion, type AnyResource, type KindDefinition } from '../../api/index.ts';
import type { ApiClient } from '../client.ts';
import type { CommandContext } from '../context.ts';
import { CliError, formatError, isApiError } from '../errors.ts';
import { observe } from '../observe.ts';
import { resourceTable, toJson, toNames, toYaml, type OutputFormat } from '../printers.ts';
import {
  namespaceOrDefault,
  parseResourceArgs,
  resourcePath,
  type ResourceTarget,
} from '../resources.ts';
import { columnWidths, formatRow, formatTable } from '../table.ts';
import { globalOptions } from './global-options.ts';

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output?: 'wide' | 'yaml' | 'json' | 'name';
  selector?: string;
  fieldSelector?: string;
  watch?: boolean;
}

export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .summary('show one or many resources')
    .description(
      'Show resources as a table with the columns of their kind, or as YAML, JSON or names.\n' +
        'KIND is a kind, plural, singular or short name in any case (see "slipway api-resources").',
    )
    .argument('<kind>', 'what to show: KIND, or KIND/NAME')
    .argument('[names...]', 'names of the objects (all objects when omitted)')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds (default "default")')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices([
        'wide',
        'yaml',
        'json',
        'name',
      ]),
    )
    .option('-l, --selector <selector>', 'label selector, e.g. env=prod,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. metadata.name=demo')
    .option('-w, --watch', 'after listing, keep printing changes until interrupted')
    .addHelpText(
      'after',
      `
Examples:
  slipway get clustertemplates
  slipway get cld -A -o wide
  slipway get clusterdeployment demo -o yaml
  slipway get machines -l slipway.dev/cluster=demo --watch`,
    )
    .action(async (kind: string, names: string[], options: GetOptions, command: Command) => {
      const targets = parseResourceArgs([kind, ...names]);
      const client = await ctx.client(globalOptions(command));
      await runGet(ctx, client, targets, options);
    });
}

async function runGet(
  ctx: CommandContext,
  client: ApiClient,
  targets: ResourceTarget[],
  options: GetOptions,
): Promise<void> {
  const format: OutputFormat = options.output ?? 'table';
  const namespace = options.allNamespaces ? undefined : namespaceOrDefault(options.namespace);
  if (options.watch) {
    const [target, ...others] = targets;
    if (!target || others.length > 0 || target.names.length > 1) {
      throw new CliError('--watch works on one kind and at most one name');
    }
    await watchTarget(ctx, client, target, namespace, options);
    return;
  }
  if (namespace === undefined && targets.some((t) => t.kind.namespaced && t.names.length > 0)) {
    throw new CliError('a resource cannot be retrieved by name across all namespaces; use -n');
  }
  const single = targets.length === 1 && targets[0]?.names.length === 1;
  const printed: { kind: KindDefinition; items: AnyResource[] }[] = [];
  for (const { kind, names } of targets) {
    if (names.length === 0) {
      const list = await client.list(resourcePath(kind, namespace), selectorQuery(options));
      printed.push({ kind, items: list.items });
      continue;
    }
    const items = [];
    for (const name of names) {
      try {
        items.push(await client.request<AnyResource>('GET', resourcePath(kind, namespace, name)));
      } catch (err: unknown) {
        // Like kubectl: report each missing object and still print the others.
        if (!isApiError(err, 404)) throw err;
        ctx.err(`${formatError(err)}\n`);
        ctx.exitCode = 1;
      }
    }
    printed.push({ kind, items });
  }
  const items = printed.flatMap((p) => p.items);
  if (format === 'yaml' || format === 'json') {
    if (single && items.length === 0) return;
    const value = single ? items[0] : { apiVersion: ApiVersion, kind: 'List', items };
    ctx.out(format === 'yaml' ? toYaml(value) : toJson(value));
    return;
  }
  if (items.length === 0) {
    if (ctx.exitCode !== 0) return;
    const scope =
      namespace && targets.some((t) => t.kind.namespaced) ? ` in ${namespace} namespace` : '';
    ctx.err(`No resources found${scope}.\n`);
    return;
  }
  printed
    .filter((p) => p.items.length > 0)
    .forEach(({ kind, items: objects }, index) => {
      if (format === 'name') {
        ctx.out(toNames(kind, objects));
        return;
      }
      const table = resourceTable(kind, objects, tableOptions(ctx, format, namespace));
      ctx.out(`${index > 0 ? '\n' : ''}${formatTable(table.header, table.rows)}`);
    });
}

/** Print the current state, then one row (or document) per change until interrupted. */
async function watchTarget(
  ctx: CommandContext,
  client: ApiClient,
  target: ResourceTarget,
  namespace: string | undefined,
  options: GetOptions,
): Promise<void> {
  const { kind } = target;
  const name = target.names[0];
  const format: OutputFormat = options.output ?? 'table';
  const fieldSelector = name ? `metadata.name=${name}` : options.fieldSelector;
  const layout = tableOptions(ctx, format, namespace);
  let widths: number[] | undefined;
  const print = (objects: AnyResource[]): void => {
    if (format === 'yaml') objects.forEach((o) => ctx.out(`---\n${toYaml(o)}`));
    else if (format === 'json') objects.forEach((o) => ctx.out(toJson(o)));
    else if (format === 'name') ctx.out(toNames(kind, objects));
    else {
      const table = resourceTable(kind, objects, { ...layout, nowMs: ctx.now() });
      const header = widths === undefined;
      widths = columnWidths(table.header, table.rows).map((width, i) =>
        Math.max(width, widths?.[i] ?? 0),
      );
      const rows = header ? [table.header, ...table.rows] : table.rows;
      rows.forEach((row) => ctx.out(`${formatRow(row, widths ?? [])}\n`));
    }
  };
  const observations = observe(client, resourcePath(kind, namespace), {
    ...(options.selector ? { labelSelector: options.selector } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  let first = true;
  try {
    for await (const seen of observations) {
      if (seen.type !== 'SNAPSHOT') {
        print([seen.object]);
        continue;
      }
      if (first && seen.items.length === 0) {
        if (name) throw new CliError(`${kind.plural} "${name}" not found`);
        const scope = namespace && kind.namespaced ? ` in ${namespace} namespace` : '';
        ctx.err(`No resources found${scope}.\n`);
      }
      if (seen.items.length > 0) print(seen.items);
      first = false;
    }
  } catch (err: unknown) {
    // Ctrl-C is how a watch ends.
    if (!ctx.signal?.aborted) throw err;
  }
}

function selectorQuery(options: GetOptions): Record<string, string | undefined> {
  return { labelSelector: options.selector, fieldSelector: options.fieldSelector };
}

function tableOptions(ctx: CommandContext, format: OutputFormat, namespace: string | undefined) {
  return { wide: format === 'wide', withNamespace: namespace === undefined, nowMs: ctx.now() };
}
