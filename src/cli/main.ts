// Entry point of the `slipway` command. Importing this module has no side effects;
// running it (directly or through bin/slipway.mjs) runs the CLI on the real process.
import { realpathSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { CommandContext, type CliIo } from './context.ts';
import { CliError, formatError } from './errors.ts';
import { buildProgram } from './program.ts';

export type { CliIo } from './context.ts';

/**
 * Run one `slipway` command line (without the program name) against `io` and return the
 * exit code; nothing touches the real process, so tests run commands in-process.
 *
 * @example
 *   const code = await runCli(['get', 'clustertemplates'], { stdout, stderr, env, readStdin });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CommandContext(io);
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err: unknown) {
    if (err instanceof CommanderError) return err.exitCode;
    if (io.signal?.aborted) return 130;
    io.stderr.write(`${formatError(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  } finally {
    await ctx.close();
  }
}

/** Run on the real process: first SIGINT/SIGTERM asks the command to stop, the second forces it. */
async function main(): Promise<void> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `slipway get … | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdin: () => text(process.stdin),
    signal: controller.signal,
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Started as `node src/cli/main.ts`, or imported by the bin/slipway.mjs launcher. */
function isEntryPoint(): boolean {
  if (import.meta.main) return true;
  const script = process.argv[1];
  if (!script) return false;
  try {
    const launcher = fileURLToPath(new URL('../../bin/slipway.mjs', import.meta.url));
    return realpathSync(script) === launcher;
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
