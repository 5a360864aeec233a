// `slipway api-resources`: the kinds the server serves, from its discovery document.
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { apiBasePath } from '../resources.ts';
import { formatTable } from '../table.ts';
import { globalOptions } from './global-options.ts';

/** One entry of an APIResourceList, as Kubernetes discovery describes a resource. */
interface ApiResource {
  name: string;
  singularName?: string;
  namespaced?: boolean;
  kind?: string;
  shortNames?: string[];
  verbs?: string[];
}

interface ApiResourceList {
  groupVersion?: string;
  resources?: ApiResource[];
}

export function registerApiResources(program: Command, ctx: CommandContext): void {
  program
    .command('api-resources')
    .summary('list the resource kinds the server serves')
    .description(
      `List the resource kinds the server serves (from discovery at ${apiBasePath}), with the\n` +
        'short names every command accepts.',
    )
    .option('--namespaced <bool>', 'only namespaced (true) or only cluster-scoped (false) kinds')
    .action(async (options: { namespaced?: string }, command: Command) => {
      const client = await ctx.client(globalOptions(command));
      const discovery = await client.request<ApiResourceList>('GET', apiBasePath);
      const groupVersion = discovery.groupVersion ?? apiBasePath.replace('/apis/', '');
      const resources = (discovery.resources ?? [])
        .filter((r) => !r.name.includes('/'))
        .filter(
          (r) =>
            options.namespaced === undefined ||
            String(Boolean(r.namespaced)) === options.namespaced,
        )
        .sort((a, b) => a.name.localeCompare(b.name));
      const rows = resources.map((r) => [
        r.name,
        (r.shortNames ?? []).join(','),
        groupVersion,
        String(Boolean(r.namespaced)),
        r.kind ?? '',
      ]);
      ctx.out(formatTable(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'], rows));
    });
}
