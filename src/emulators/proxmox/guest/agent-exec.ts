// `agent/exec` on an emulated guest: enough commands to watch a boot the way tools do
// (`cloud-init status --wait`, `hostname`, `cat <file cloud-init wrote>`, `test -f`,
// `systemctl is-active k3s`). Anything else exits 127 and says it is not simulated.

export interface GuestView {
  hostname: string;
  cloudInit: 'running' | 'done' | 'error' | 'disabled';
  cloudInitErrors: string[];
  /** Files cloud-init wrote (write_files). */
  files: ReadonlyMap<string, Buffer>;
  /** The K3s unit and whether it runs: k3s (server) or k3s-agent. */
  k3s?: { unit: string; active: boolean };
}

export interface ExecResult {
  exited: boolean;
  exitcode?: number;
  'out-data'?: string;
  'err-data'?: string;
}

const done = (exitcode: number, out = '', err = ''): ExecResult => ({
  exited: true,
  exitcode,
  ...(out ? { 'out-data': out } : {}),
  ...(err ? { 'err-data': err } : {}),
});

function cloudInitStatus(args: string[], guest: GuestView): ExecResult {
  const wait = args.includes('--wait') || args.includes('-w');
  if (wait && guest.cloudInit === 'running') return { exited: false };
  const long = args.includes('--long') || args.includes('-l');
  const lines = [`status: ${guest.cloudInit}`];
  if (long) {
    lines.push(`extended_status: ${guest.cloudInit}`, 'boot_status_code: enabled-by-generator');
    lines.push(
      `detail: ${guest.cloudInit === 'disabled' ? 'Cloud-init disabled' : 'DataSourceNoCloud [seed=/dev/sr0]'}`,
    );
    if (guest.cloudInitErrors.length > 0) {
      lines.push('errors:', ...guest.cloudInitErrors.map((e) => `\t- ${e}`));
    }
  }
  return done(guest.cloudInit === 'error' ? 1 : 0, `${lines.join('\n')}\n`);
}

/** Run a command on the guest now (called again on each exec-status while it runs). */
export function runGuestCommand(command: readonly string[], guest: GuestView): ExecResult {
  const [program = '', ...args] = command;
  const name = program.split('/').pop() ?? program;
  switch (name) {
    case 'cloud-init':
      if (args[0] === 'status') return cloudInitStatus(args.slice(1), guest);
      break;
    case 'hostname':
      return done(0, `${guest.hostname}\n`);
    case 'cat': {
      const path = args[0] ?? '';
      const file = guest.files.get(path);
      return file
        ? done(0, file.toString('utf8'))
        : done(1, '', `cat: ${path}: No such file or directory\n`);
    }
    case 'test':
      if ((args[0] === '-f' || args[0] === '-e') && args[1] !== undefined)
        return done(guest.files.has(args[1]) ? 0 : 1);
      break;
    case 'systemctl':
      if (args[0] === 'is-active' && args[1] !== undefined) {
        const unit = args[1].replace(/\.service$/, '');
        const active = guest.k3s?.unit === unit && guest.k3s.active;
        const known = guest.k3s?.unit === unit;
        return done(active ? 0 : 3, `${active ? 'active' : known ? 'activating' : 'inactive'}\n`);
      }
      break;
    case 'true':
      return done(0);
    case 'false':
      return done(1);
  }
  return done(127, '', `${command.join(' ')}: command not simulated by the Proxmox emulator\n`);
}
