// The connection options every command accepts, declared once on the root command.
import type { Command } from 'commander';
import type { GlobalOptions } from '../context.ts';
import { definedOnly } from '../objects.ts';

/** Declare `--server`, `--token`, `--insecure-skip-tls-verify` and `--certificate-authority`. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--server <url>', 'API server URL (env SLIPWAY_SERVER)')
    .option('--token <token>', 'bearer token (env SLIPWAY_TOKEN)')
    .option(
      '--insecure-skip-tls-verify',
      "don't verify the server certificate (env SLIPWAY_INSECURE_SKIP_TLS_VERIFY=true)",
    )
    .option(
      '--certificate-authority <file>',
      'PEM file with the CA that signed the server certificate',
    );
}

/** The connection options given on the command line, wherever they appeared in it. */
export function globalOptions(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<Record<string, unknown>>();
  const text = (key: string) => (typeof all[key] === 'string' ? all[key] : undefined);
  const options: GlobalOptions = definedOnly({
    server: text('server'),
    token: text('token'),
    insecureSkipTlsVerify: all['insecureSkipTlsVerify'] === true ? true : undefined,
    certificateAuthority: text('certificateAuthority'),
  });
  return options;
}
