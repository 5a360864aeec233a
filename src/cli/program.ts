// The `slipway` command tree: one file per subcommand under commands/.
import { Command } from 'commander';
import { registerApiResources } from './commands/api-resources.ts';
import { registerApply } from './commands/apply.ts';
import { registerAudit } from './commands/audit-log.ts';
import { registerCreate } from './commands/create.ts';
import { registerDelete } from './commands/delete.ts';
import { registerDescribe } from './commands/describe.ts';
import { registerDiff } from './commands/diff.ts';
import { registerGet } from './commands/get.ts';
import { addGlobalOptions } from './commands/global-options.ts';
import { registerKubeconfig } from './commands/kubeconfig.ts';
import { registerLogin } from './commands/login.ts';
import { registerRotateEncryptionKey } from './commands/rotate-encryption-key.ts';
import { registerScale } from './commands/scale.ts';
import { registerServer } from './commands/server.ts';
import { registerUpgrade } from './commands/upgrade.ts';
import { registerVersion } from './commands/version.ts';
import { registerWait } from './commands/wait.ts';
import type { CommandContext } from './context.ts';

/** A fresh command tree writing to `ctx.io`; commander keeps state, so one per run. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('slipway')
    .description(
      'Slipway: declarative, self-service Kubernetes clusters on infrastructure you own.\n\n' +
        'Start a server with "slipway server", connect with "slipway login" (or the\n' +
        'SLIPWAY_SERVER and SLIPWAY_TOKEN environment variables), then manage resources\n' +
        'the way kubectl does: apply -f, get, describe, delete, wait, diff.',
    )
    .configureOutput({
      writeOut: (text) => ctx.out(text),
      writeErr: (text) => ctx.err(text),
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  addGlobalOptions(program);
  registerServer(program, ctx);
  registerLogin(program, ctx);
  registerApply(program, ctx);
  registerGet(program, ctx);
  registerDescribe(program, ctx);
  registerDelete(program, ctx);
  registerWait(program, ctx);
  registerCreate(program, ctx);
  registerScale(program, ctx);
  registerUpgrade(program, ctx);
  registerKubeconfig(program, ctx);
  registerDiff(program, ctx);
  registerApiResources(program, ctx);
  registerAudit(program, ctx);
  registerVersion(program, ctx);
  registerRotateEncryptionKey(program, ctx);
  return program;
}
