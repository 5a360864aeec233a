// Power and removal: start (qmstart), stop (qmstop), shutdown (qmshutdown), reboot and
// reset, and DELETE (qmdestroy). Starting checks what QEMU would need (disks and ISOs
// present on this node, bridges that exist) and hands the VM to its guest OS.
import { randomInt } from 'node:crypto';
import { optBool, type EmulatorCore, type Handler, type HandlerContext } from '../core.ts';
import { isCdrom, isDriveKey, parseDrive, parseNet, splitVolid } from '../config-format.ts';
import { parameterError, serverError, TaskFailure } from '../errors.ts';
import type { ClusterState, VmState } from '../state.ts';
import { sleep, type TaskLog } from '../tasks.ts';
import { assertUnlocked, isTemplate, vmOn, withConfigLock } from './vm-view.ts';

function skiplock(ctx: HandlerContext): boolean {
  const wanted = optBool(ctx, 'skiplock') ?? false;
  if (wanted && ctx.caller.userid !== 'root@pam')
    throw parameterError({ skiplock: 'Only root may use this option.' });
  return wanted;
}

/** What QEMU would refuse to start with: missing volumes, unknown bridges. */
function checkStartable(ctx: HandlerContext, vm: VmState): void {
  for (const [key, value] of vm.config) {
    if (isDriveKey(key)) {
      const drive = parseDrive(value);
      if (!splitVolid(drive.file)) continue;
      if (!ctx.core.state.findVolume(drive.file, vm.node)) {
        throw new TaskFailure(`volume '${drive.file}' does not exist`);
      }
    } else if (/^net\d+$/.test(key)) {
      const bridge = parseNet(value).bridge;
      if (bridge !== undefined && bridge !== 'vmbr0')
        throw new TaskFailure(`bridge '${bridge}' does not exist`);
    }
  }
}

export function powerOn(core: EmulatorCore, vm: VmState): void {
  vm.power = 'running';
  vm.startedAt = Date.now();
  vm.pid = randomInt(10_000, 4_000_000);
  vm.generation += 1;
  core.guests.started(vm);
}

export async function powerOff(core: EmulatorCore, vm: VmState): Promise<void> {
  if (vm.power !== 'running') return;
  vm.power = 'stopped';
  delete vm.startedAt;
  delete vm.pid;
  vm.generation += 1;
  await core.guests.stopped(vm);
}

function task(ctx: HandlerContext, vm: VmState, type: string, work: (t: TaskLog) => Promise<void>) {
  return ctx.core.tasks.start(
    { node: vm.node, type, id: String(vm.vmid), user: ctx.caller.userid },
    work,
  );
}

const start: Handler = (ctx) => {
  const vm = vmOn(ctx);
  const ignoreLock = skiplock(ctx);
  return task(ctx, vm, 'qmstart', (log) =>
    withConfigLock(
      ctx.core,
      vm,
      async (current) => {
        if (!ignoreLock) assertUnlocked(current);
        if (isTemplate(current)) throw new TaskFailure("you can't start a vm if it's a template");
        if (current.power === 'running')
          throw new TaskFailure(`VM ${current.vmid} already running`);
        checkStartable(ctx, current);
        await sleep(ctx.core.options.timing.taskMs, log.signal);
        if (ctx.core.random() < ctx.core.options.faults.taskFailureRate) {
          throw new TaskFailure('start failed: QEMU exited with code 1');
        }
        powerOn(ctx.core, current);
      },
      log.signal,
    ),
  );
};

/** Stop and shutdown: a VM that is not running stops as a no-op (vm_stop returns early). */
function stopper(type: 'qmstop' | 'qmshutdown'): Handler {
  return (ctx) => {
    const vm = vmOn(ctx);
    const ignoreLock = skiplock(ctx);
    return task(ctx, vm, type, (log) =>
      withConfigLock(
        ctx.core,
        vm,
        async (current) => {
          if (!ignoreLock) assertUnlocked(current);
          await sleep(ctx.core.options.timing.taskMs, log.signal);
          await powerOff(ctx.core, current);
        },
        log.signal,
      ),
    );
  };
}

function restart(type: string): Handler {
  return (ctx) => {
    const vm = vmOn(ctx);
    if (vm.power !== 'running') throw serverError(`VM ${vm.vmid} not running`);
    return task(ctx, vm, type, (log) =>
      withConfigLock(
        ctx.core,
        vm,
        async (current) => {
          assertUnlocked(current);
          await sleep(ctx.core.options.timing.taskMs, log.signal);
          await powerOff(ctx.core, current);
          powerOn(ctx.core, current);
        },
        log.signal,
      ),
    );
  };
}

/** DELETE: early checks, then under the config lock the checks again and the removal. */
const destroy: Handler = (ctx) => {
  const vm = vmOn(ctx);
  const ignoreLock = skiplock(ctx);
  if (/^(1|true|yes|on)$/i.test(vm.config.get('protection') ?? '')) {
    throw serverError(`can't remove VM ${vm.vmid} - protection mode enabled`);
  }
  if (vm.power === 'running') throw serverError(`VM ${vm.vmid} is running - destroy failed`);
  const unreferenced = optBool(ctx, 'destroy-unreferenced-disks') ?? false;
  return task(ctx, vm, 'qmdestroy', (log) =>
    withConfigLock(
      ctx.core,
      vm,
      async (current) => {
        if (!ignoreLock) assertUnlocked(current);
        if (current.power === 'running')
          throw new TaskFailure(`VM ${current.vmid} is running - destroy failed`);
        await sleep(ctx.core.options.timing.taskMs, log.signal);
        destroyDisks(ctx.core.state, current, unreferenced, log);
        ctx.core.state.vms.delete(current.vmid);
        await ctx.core.guests.destroyed(current);
      },
      log.signal,
    ),
  );
};

/** Free the VM's disks; a base image that linked clones still use stays, with a warning. */
export function destroyDisks(
  state: ClusterState,
  vm: VmState,
  unreferenced: boolean,
  log: { log(line: string): void; warn(line: string): void },
): void {
  const volids = [...vm.config]
    .filter(
      ([key, value]) => (isDriveKey(key) && !isCdrom(parseDrive(value))) || /^unused\d+$/.test(key),
    )
    .map(([, value]) => parseDrive(value).file);
  const volumes = volids.flatMap((id) => state.findVolume(id, vm.node) ?? []);
  if (unreferenced) {
    for (const v of state.allVolumes()) {
      if (v.vmid === vm.vmid && v.content === 'images' && !volumes.includes(v)) volumes.push(v);
    }
  }
  for (const volume of volumes) {
    const id = `${volume.storage}:${volume.volname}`;
    if (state.allVolumes().some((v) => v.parent === id)) {
      log.warn(
        `Could not remove disk '${id}', check manually: base volume '${volume.volname}' is still in use by linked cloned`,
      );
      continue;
    }
    state.removeVolume(volume);
    const storage = state.storages.get(volume.storage);
    if (storage?.type === 'lvmthin')
      log.log(`  Logical volume "${volume.volname.split('/').pop() ?? ''}" successfully removed.`);
  }
}

export const qemuPowerRoutes: [string, Handler][] = [
  ['POST /nodes/{node}/qemu/{vmid}/status/start', start],
  ['POST /nodes/{node}/qemu/{vmid}/status/stop', stopper('qmstop')],
  ['POST /nodes/{node}/qemu/{vmid}/status/shutdown', stopper('qmshutdown')],
  ['POST /nodes/{node}/qemu/{vmid}/status/reboot', restart('qmreboot')],
  ['POST /nodes/{node}/qemu/{vmid}/status/reset', restart('qmreset')],
  ['DELETE /nodes/{node}/qemu/{vmid}', destroy],
];
