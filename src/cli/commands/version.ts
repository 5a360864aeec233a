// `slipway version`: this CLI's version and the server's.
import type { Command } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import type { CommandContext } from '../context.ts';
import { isRecord } from '../objects.ts';
import { globalOptions } from './global-options.ts';

export const clientVersion: string = packageJson.version;

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .summary("print the client's and the server's version")
    .description('Print the version of this CLI and of the server it is connected to.')
    .option('--client', 'print only the client version (no server needed)')
    .action(async (options: { client?: boolean }, command: Command) => {
      ctx.out(`Client Version: ${clientVersion}\n`);
      if (options.client) return;
      const client = await ctx.client(globalOptions(command));
      const info = await client.request<unknown>('GET', '/version');
      ctx.out(`Server Version: ${serverVersion(info)}\n`);
    });
}

/** `gitVersion` (Kubernetes' field) or `version`, else the whole answer as JSON. */
function serverVersion(info: unknown): string {
  if (isRecord(info)) {
    for (const key of ['version', 'gitVersion']) {
      const value = info[key];
      if (typeof value === 'string') return value;
    }
  }
  return JSON.stringify(info);
}
