// `slipway describe`: one object for humans: metadata, spec, status, conditions, events.
import type { Command } from 'commander';
import { eventKind, type AnyResource, type KindDefinition } from '../../api/index.ts';
import type { ApiClient } from '../client.ts';
import type { CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { eventsFor, describeObject } from '../describe-format.ts';
import { namespaceOrDefault, parseResourceArgs, resourcePath } from '../resources.ts';
import { globalOptions } from './global-options.ts';

export function registerDescribe(program: Command, ctx: CommandContext): void {
  program
    .command('describe')
    .summary('show the details of resources')
    .description(
      'Show objects in detail: metadata, spec, status, conditions as a table and the events\n' +
        'recorded for them. Without a name, describes every object of the kind.',
    )
    .argument('<kind>', 'KIND, or KIND/NAME')
    .argument('[names...]', 'names of the objects')
    .option('-n, --namespace <namespace>', 'namespace of namespaced kinds (default "default")')
    .option('-l, --selector <selector>', 'label selector, when no name is given')
    .addHelpText(
      'after',
      `
Examples:
  slipway describe clusterdeployment demo
  slipway describe machines -l slipway.dev/cluster=demo`,
    )
    .action(
      async (
        kind: string,
        names: string[],
        options: { namespace?: string; selector?: string },
        command: Command,
      ) => {
        const targets = parseResourceArgs([kind, ...names]);
        const client = await ctx.client(globalOptions(command));
        const namespace = namespaceOrDefault(options.namespace);
        const objects: { kind: KindDefinition; object: AnyResource }[] = [];
        for (const target of targets) {
          if (target.names.length === 0) {
            const query = { labelSelector: options.selector };
            const list = await client.list(resourcePath(target.kind, namespace), query);
            objects.push(...list.items.map((object) => ({ kind: target.kind, object })));
          }
          for (const name of target.names) {
            const path = resourcePath(target.kind, namespace, name);
            objects.push({
              kind: target.kind,
              object: await client.request<AnyResource>('GET', path),
            });
          }
        }
        if (objects.length === 0)
          throw new CliError(`no ${kind} found in namespace "${namespace}"`);
        const sections = [];
        for (const { kind: k, object } of objects) {
          const events = await listEvents(client, k, object);
          sections.push(describeObject(object, events, ctx.now()));
        }
        ctx.out(sections.join('\n\n'));
      },
    );
}

/** Events about `object`; an error listing them is shown in their place, not fatal. */
async function listEvents(
  client: ApiClient,
  kind: KindDefinition,
  object: AnyResource,
): Promise<AnyResource[] | Error> {
  // Events live in the object's namespace; those about cluster-scoped objects anywhere.
  const namespace = kind.namespaced ? namespaceOrDefault(object.metadata.namespace) : undefined;
  try {
    const list = await client.list(resourcePath(eventKind, namespace));
    return eventsFor(list.items, kind, object);
  } catch (err: unknown) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
