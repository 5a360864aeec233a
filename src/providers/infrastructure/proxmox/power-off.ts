// Hibernation (MachineRequest.powerState 'Off'): a running VM is shut down cleanly, and
// Proxmox stops it hard once stopGraceSec has passed (`forceStop`); a stopped one is
// left as it is. Nothing is deleted, and a stopped VM is never started here.
import type { MachineObservation } from '../types.ts';
import { apiPath, isUpid } from './api/index.ts';
import { adoptRecord, observation, type MachineContext } from './context.ts';
import { providerError, ProxmoxReasons } from './errors.ts';
import type { FoundVM } from './find-vm.ts';
import { runningTask, takeFailure } from './machine-state.ts';

const R = ProxmoxReasons;

function signalOption(ctx: MachineContext) {
  return ctx.signal ? { signal: ctx.signal } : {};
}

/** A stopped VM that is to stay stopped. */
export function stoppedOnPurpose(vm: FoundVM): MachineObservation {
  return observation(
    'Stopped',
    R.VMStopped,
    `VM ${vm.vmid} on ${vm.node} is stopped (power state Off)`,
    vm.vmid,
  );
}

function stopping(ctx: MachineContext, vm: FoundVM): MachineObservation {
  return observation(
    'Stopping',
    R.StoppingVM,
    `VM ${vm.vmid} is shutting down (hard stop after ${ctx.settings.stopGraceSec} s)`,
    vm.vmid,
  );
}

/** Whether this process is shutting the machine's VM down right now. */
export function isStopping(ctx: MachineContext): boolean {
  return runningTask(ctx.records.get(ctx.request.machineUID), 'stop') !== undefined;
}

/** The next step toward the VM being powered off (the caller saw it running). */
export async function powerOffStep(ctx: MachineContext, vm: FoundVM): Promise<MachineObservation> {
  const record = adoptRecord(ctx, vm, ctx.settings.memoryMiB);
  if (runningTask(record, 'stop')) return stopping(ctx, vm);
  const busy = runningTask(record, 'start', 'configure', 'repair', 'resize');
  if (busy) {
    return observation(
      'Starting',
      R.StartingVM,
      `waiting for the ${busy.kind} task of VM ${vm.vmid} to end before shutting it down`,
      vm.vmid,
    );
  }
  const failure = takeFailure(record, 'stop');
  if (failure !== undefined) throw providerError(failure, `stopping VM ${vm.vmid}`);
  const base = apiPath`/nodes/${vm.node}/qemu/${vm.vmid}`;
  const grace = ctx.settings.stopGraceSec;
  try {
    const upid =
      grace > 0
        ? await ctx.api.post<unknown>(
            `${base}/status/shutdown`,
            { forceStop: true, timeout: grace },
            signalOption(ctx),
          )
        : await ctx.api.post<unknown>(`${base}/status/stop`, {}, signalOption(ctx));
    if (isUpid(upid)) ctx.records.track(ctx.api, record, 'stop', upid);
  } catch (err: unknown) {
    throw providerError(err, `stopping VM ${vm.vmid}`);
  }
  return stopping(ctx, vm);
}
