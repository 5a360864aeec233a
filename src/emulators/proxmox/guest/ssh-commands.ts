// The commands an emulated guest answers over SSH: exactly what the Proxmox provider's
// SSH bootstrap sends (src/providers/infrastructure/proxmox/ssh-bootstrap.ts), read with
// patterns, not a shell. `sudo test -e <file>`; storing stdin with
// `sudo sh -c 'umask 077 && mkdir -p <dir> && cat > <dir>/<file>'`; and the cloud-init
// run: wait for the first boot, `cloud-init --file <user-data> single --name <module>
// --frequency always` for each module in a `for` loop, then `touch <marker>`. Anything
// else exits 127 as "not simulated".
import type { GuestCommandResult } from './ssh-server.ts';

/** The modules whose effect the guest models, and the ones it knows without effect. */
const knownModules = new Set([
  'set_hostname',
  'update_hostname',
  'write_files',
  'runcmd',
  'write_files_deferred',
  'scripts_user',
]);

export interface SshGuest {
  /** The guest's files that outlive a reboot (what was stored over SSH, markers). */
  files: Map<string, Buffer>;
  /**
   * Apply `userData` as `cloud-init single` runs of `modules` would, in order; resolves
   * once the modules ran (for runcmd + scripts_user: once K3s started or failed).
   */
  applyUserData(userData: string, modules: readonly string[]): Promise<GuestCommandResult>;
}

const check = /^sudo test -e (\/\S+)$/;
const store = /^sudo sh -c 'umask 077 && mkdir -p (\/[\w/.-]+) && cat > (\/[\w/.-]+)'$/;
const run =
  /^sudo sh -c 'cloud-init status --wait >\/dev\/null; for m in ([a-z_ ]+); do cloud-init --file (\/\S+) single --name \$m --frequency always \|\| exit 1; done; touch (\/[\w/.-]+)'$/;

/**
 * Run one exec request on the guest.
 *
 * @example
 *   await runSshCommand('sudo test -e /var/lib/slipway/bootstrapped-1f2e…', Buffer.alloc(0), guest);
 *   // { code: 1 }
 */
export async function runSshCommand(
  command: string,
  stdin: Buffer,
  guest: SshGuest,
): Promise<GuestCommandResult> {
  const checked = check.exec(command);
  if (checked) return { code: guest.files.has(checked[1] ?? '') ? 0 : 1 };

  const stored = store.exec(command);
  if (stored) {
    const [, dir = '', file = ''] = stored;
    if (!file.startsWith(`${dir}/`)) {
      return { code: 1, stderr: `sh: 1: cannot create ${file}: Directory nonexistent\n` };
    }
    guest.files.set(file, Buffer.from(stdin));
    return { code: 0 };
  }

  const ran = run.exec(command);
  if (ran) {
    const [, moduleList = '', file = '', marker = ''] = ran;
    const userData = guest.files.get(file);
    if (!userData) {
      return {
        code: 2,
        stderr: `usage: /usr/bin/cloud-init [-h] [--version] [--file FILES] [--debug] [--force]\n/usr/bin/cloud-init: error: argument --file/-f: can't open '${file}': [Errno 2] No such file or directory: '${file}'\n`,
      };
    }
    const modules = moduleList.trim().split(/\s+/);
    const unknown = modules.find((m) => !knownModules.has(m));
    if (unknown !== undefined) {
      return {
        code: 1,
        stderr: `Could not find module named ${unknown} (searched ['cloudinit.config.cc_${unknown}'])\n`,
      };
    }
    const result = await guest.applyUserData(userData.toString('utf8'), modules);
    if (result.code === 0) guest.files.set(marker, Buffer.alloc(0));
    return result;
  }

  return {
    code: 127,
    stderr: `${command}: not simulated (the Proxmox emulator's guest SSH server is not a shell)\n`,
  };
}
