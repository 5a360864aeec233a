// The SSH step of bootstrapMode proxmox-cloudinit. Proxmox's own cloud-init drive gives
// the guest its user, SSH key and network; Slipway's user-data (K3s files, install) then
// goes over SSH: once the guest agent reports the address, a background session logs in
// as ciUser with the credential's key, uploads the user-data to /var/lib/slipway and runs
// it through cloud-init's own modules (`cloud-init --file … single --name …`, the same
// write_files/runcmd code a first boot runs), then leaves a marker file so a repeat —
// after a restart of Slipway, say — finds the work done. A reconcile never waits for
// the session; it reports WaitingForSSH, RunningSSHBootstrap or the failure.
//
// Host keys: trust on first use, per machine and VM, in memory (a restarted Slipway
// trusts the key it meets first again).
import type { MachineObservation } from '../types.ts';
import { observation, type MachineContext } from './context.ts';
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
import type { FoundVM } from './find-vm.ts';
import { readSshLoginKey } from './ssh-key.ts';
import { openSshSession, SshConnectError, type SshSession } from './ssh-session.ts';

const R = ProxmoxReasons;

export const bootstrapDir = '/var/lib/slipway';
export const userDataPath = `${bootstrapDir}/user-data`;
/**
 * cloud-init modules that apply Slipway's user-data, in boot order: hostname, files,
 * runcmd (which only writes its script), deferred files, then scripts_user (which runs
 * the runcmd script). `--frequency always`: the instance already ran them once, with
 * Proxmox's data.
 */
export const cloudInitModules = [
  'set_hostname',
  'update_hostname',
  'write_files',
  'runcmd',
  'write_files_deferred',
  'scripts_user',
] as const;

/** The marker a finished bootstrap leaves on the guest. */
export function markerPath(machineUID: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(machineUID)) {
    throw new ProxmoxProviderError(
      R.InvalidSettings,
      `machine uid ${JSON.stringify(machineUID)} cannot name a file on the guest`,
      false,
    );
  }
  return `${bootstrapDir}/bootstrapped-${machineUID}`;
}

/** The commands the session runs, in order (the emulator's guest answers exactly these). */
export function bootstrapCommands(machineUID: string) {
  const marker = markerPath(machineUID);
  return {
    /** Exit 0 when the machine was bootstrapped before. */
    check: `sudo test -e ${marker}`,
    /** Stores stdin (the user-data: it holds keys and tokens) readable by root only. */
    upload: `sudo sh -c 'umask 077 && mkdir -p ${bootstrapDir} && cat > ${userDataPath}'`,
    /** Waits for the first boot's cloud-init, applies the user-data, leaves the marker. */
    run:
      `sudo sh -c 'cloud-init status --wait >/dev/null; ` +
      `for m in ${cloudInitModules.join(' ')}; do ` +
      `cloud-init --file ${userDataPath} single --name $m --frequency always || exit 1; done; ` +
      `touch ${marker}'`,
  };
}

export interface SshBootstrapOptions {
  /** Port of the guests' SSH server (default 22). */
  port?: number;
  /** How long to wait before trying again after a failed login (default 5 s). */
  retryMs?: number;
  /** Longest a login may take (default 10 s). */
  connectTimeoutMs?: number;
  now: () => number;
}

type RunState =
  | { kind: 'connecting' }
  | { kind: 'running' }
  | { kind: 'done' }
  | { kind: 'unreachable'; message: string; at: number }
  | { kind: 'failed'; error: ProxmoxProviderError };

interface Run {
  vmid: number;
  address: string;
  state: RunState;
}

/** Lines of stderr a failure message ends with. */
const stderrLines = 15;

function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  const last = lines.slice(-stderrLines).join('\n');
  return last.length > 2000 ? last.slice(-2000) : last;
}

/** The sessions of this process, one per machine at most, and the host keys they met. */
export class SshBootstrapper {
  readonly #runs = new Map<string, Run>();
  readonly #hostKeys = new Map<string, string>();
  readonly #sessions = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #port: number;
  readonly #retryMs: number;
  readonly #connectTimeoutMs: number;
  readonly #now: () => number;

  constructor(options: SshBootstrapOptions) {
    this.#port = options.port ?? 22;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#now = options.now;
  }

  /** The machine's run on this VM at this address, if any. */
  run(uid: string, vmid: number, address: string): Run | undefined {
    const run = this.#runs.get(uid);
    return run && run.vmid === vmid && run.address === address ? run : undefined;
  }

  /** Forget a failure once reported, so the next step starts over. */
  forget(uid: string): void {
    this.#runs.delete(uid);
  }

  /** The machine is deleted: forget its run and the host keys of its VMs. */
  forgetMachine(uid: string): void {
    this.#runs.delete(uid);
    for (const key of this.#hostKeys.keys())
      if (key.startsWith(`${uid}/`)) this.#hostKeys.delete(key);
  }

  /** Whether a login that failed may be tried again now. */
  retryDue(run: Run): boolean {
    return run.state.kind === 'unreachable' && this.#now() - run.state.at >= this.#retryMs;
  }

  /** Start a session in the background for the machine (replacing an earlier run). */
  start(ctx: MachineContext, vm: FoundVM, address: string): void {
    const run: Run = { vmid: vm.vmid, address, state: { kind: 'connecting' } };
    this.#runs.set(ctx.request.machineUID, run);
    const session = this.#session(ctx, run)
      .catch((err: unknown) => {
        run.state = {
          kind: 'failed',
          error: new ProxmoxProviderError(
            R.SSHBootstrapFailed,
            `SSH bootstrap of VM ${vm.vmid} at ${address}: ${err instanceof Error ? err.message : String(err)}`,
            true,
          ),
        };
      })
      .finally(() => this.#sessions.delete(session));
    this.#sessions.add(session);
  }

  async #session(ctx: MachineContext, run: Run): Promise<void> {
    const uid = ctx.request.machineUID;
    const key = readSshLoginKey(ctx.request.credential);
    const commands = bootstrapCommands(uid);
    const trustKey = `${uid}/${run.vmid}`;
    const user = ctx.settings.ciUser;
    let ssh: SshSession;
    try {
      ssh = await openSshSession({
        host: run.address,
        port: this.#port,
        username: user,
        privateKey: key.privateKey,
        readyTimeoutMs: this.#connectTimeoutMs,
        signal: this.#abort.signal,
        acceptHostKey: (fingerprint) => {
          const known = this.#hostKeys.get(trustKey);
          if (known === undefined) this.#hostKeys.set(trustKey, fingerprint);
          return known === undefined || known === fingerprint;
        },
      });
    } catch (err: unknown) {
      if (err instanceof SshConnectError && err.kind === 'hostkey') {
        run.state = {
          kind: 'failed',
          error: new ProxmoxProviderError(
            R.SSHBootstrapFailed,
            `refusing to log in to VM ${run.vmid}: ${err.message} (someone else may answer at ${run.address}); delete the Machine to start over with a new VM`,
            false,
          ),
        };
        return;
      }
      run.state = {
        kind: 'unreachable',
        message: err instanceof Error ? err.message : String(err),
        at: this.#now(),
      };
      return;
    }
    try {
      run.state = { kind: 'running' };
      const check = await ssh.exec(commands.check);
      if (check.code === 0) {
        run.state = { kind: 'done' };
        return;
      }
      const failed = (what: string, result: { code: number | null; stderr: string }) =>
        new ProxmoxProviderError(
          R.SSHBootstrapFailed,
          `${what} on VM ${run.vmid} (${user}@${run.address}) exited ${result.code ?? 'without a status'}${result.stderr.trim() ? `:\n${tail(result.stderr)}` : ''}`,
          true,
        );
      if (check.code !== 1) {
        run.state = { kind: 'failed', error: failed('checking for an earlier bootstrap', check) };
        return;
      }
      const upload = await ssh.exec(commands.upload, ctx.request.bootstrap.userData);
      if (upload.code !== 0) {
        run.state = { kind: 'failed', error: failed(`storing the user-data`, upload) };
        return;
      }
      const result = await ssh.exec(commands.run);
      run.state =
        result.code === 0
          ? { kind: 'done' }
          : { kind: 'failed', error: failed('cloud-init with Slipway’s user-data', result) };
    } finally {
      ssh.close();
    }
  }

  /** Stop every session (the commands they started go on in the guests). */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#sessions]);
    this.#runs.clear();
  }
}

function progress(
  run: Run | undefined,
  vm: FoundVM,
  address: string,
  user: string,
  running: MachineObservation,
): MachineObservation {
  const starting = (reason: string, message: string) =>
    observation('Starting', reason, message, vm.vmid, running.addresses);
  switch (run?.state.kind) {
    case 'done':
      return running;
    case 'running':
      return starting(
        R.RunningSSHBootstrap,
        `VM ${vm.vmid} at ${address}: Slipway's user-data runs through cloud-init over SSH`,
      );
    case 'unreachable':
      return starting(
        R.WaitingForSSH,
        `VM ${vm.vmid} has address ${address}; SSH does not let ${user} in yet: ${run.state.message}`,
      );
    case 'failed':
      return starting(R.SSHBootstrapFailed, run.state.error.message);
    default:
      return starting(R.WaitingForSSH, `logging in to VM ${vm.vmid} as ${user}@${address}`);
  }
}

function addressOf(running: MachineObservation): string | undefined {
  return running.addresses.find((a) => a.type === 'InternalIP')?.address;
}

/**
 * What a running proxmox-cloudinit machine looks like, given its observation without the
 * SSH step: Running once this process saw the bootstrap done, else where it stands.
 */
export function sshBootstrapObservation(
  ctx: MachineContext,
  vm: FoundVM,
  running: MachineObservation,
): MachineObservation {
  const address = addressOf(running);
  if (running.state !== 'Running' || address === undefined) return running;
  const run = ctx.ssh.run(ctx.request.machineUID, vm.vmid, address);
  return progress(run, vm, address, ctx.settings.ciUser, running);
}

/**
 * The SSH step: start (or restart after a failed login) the background session and
 * report progress; a failed bootstrap is thrown once (retryable: the next call runs it
 * again; a host key that changed is not retryable).
 */
export function sshBootstrapStep(
  ctx: MachineContext,
  vm: FoundVM,
  running: MachineObservation,
): MachineObservation {
  const address = addressOf(running);
  if (running.state !== 'Running' || address === undefined) return running;
  const uid = ctx.request.machineUID;
  const run = ctx.ssh.run(uid, vm.vmid, address);
  if (run?.state.kind === 'failed') {
    ctx.ssh.forget(uid);
    throw run.state.error;
  }
  if (!run || ctx.ssh.retryDue(run)) {
    readSshLoginKey(ctx.request.credential);
    ctx.ssh.start(ctx, vm, address);
    return progress(ctx.ssh.run(uid, vm.vmid, address), vm, address, ctx.settings.ciUser, running);
  }
  return progress(run, vm, address, ctx.settings.ciUser, running);
}
