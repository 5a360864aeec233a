// `slipway login`: check a server and token, then save them for later commands.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiClient } from '../client.ts';
import {
  configPath,
  parseBooleanEnv,
  writeConfigFile,
  type ConfigFile,
  type Connection,
} from '../config.ts';
import type { CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { apiBasePath } from '../resources.ts';
import { globalOptions } from './global-options.ts';

export function registerLogin(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .summary('check and save the connection to a server')
    .description(
      'Check that the server answers and accepts the token, then save server, token and TLS\n' +
        'settings to the config file ($SLIPWAY_CONFIG or ~/.config/slipway/config.yaml, mode\n' +
        '0600). Uses the global --server, --token, --insecure-skip-tls-verify and\n' +
        '--certificate-authority options (or their SLIPWAY_* environment variables).',
    )
    .addHelpText(
      'after',
      `
Example:
  slipway login --server https://127.0.0.1:6443 --token "$(cat .data/admin.token)" --insecure-skip-tls-verify`,
    )
    .action(async (_options: unknown, command: Command) => {
      await runLogin(ctx, command);
    });
}

async function runLogin(ctx: CommandContext, command: Command): Promise<void> {
  const flags = globalOptions(command);
  const { env } = ctx.io;
  const server = flags.server ?? env['SLIPWAY_SERVER'];
  const token = flags.token ?? env['SLIPWAY_TOKEN'];
  if (!server || !token) {
    throw new CliError('login needs --server URL and --token TOKEN');
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`--server: "${server}" is not a URL (e.g. https://127.0.0.1:6443)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError(`--server: "${server}" must start with https:// or http://`);
  }
  // As for every command: a CA given on the command line means "verify".
  const insecureSkipTlsVerify =
    flags.insecureSkipTlsVerify ??
    (flags.certificateAuthority
      ? false
      : (parseBooleanEnv(env['SLIPWAY_INSECURE_SKIP_TLS_VERIFY']) ?? false));
  const certificateAuthority = flags.certificateAuthority && resolve(flags.certificateAuthority);
  const connection: Connection = {
    server: server.replace(/\/+$/, ''),
    token,
    insecureSkipTlsVerify,
    ...(certificateAuthority && !insecureSkipTlsVerify ? { certificateAuthority } : {}),
  };
  const client = await ApiClient.connect(connection, ctx.signal);
  try {
    // Discovery needs a valid token, so this checks both the server and the token.
    await client.request('GET', apiBasePath);
  } finally {
    await client.close();
  }
  const path = configPath(env);
  const { insecureSkipTlsVerify: skip, ...saved } = connection;
  const config: ConfigFile = { ...saved, ...(skip ? { insecureSkipTlsVerify: true } : {}) };
  await writeConfigFile(path, config);
  ctx.out(`Logged in to ${connection.server}; connection saved to ${path}\n`);
}
