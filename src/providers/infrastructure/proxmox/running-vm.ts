// A running VM: its address from the guest agent, cloud-init's status when asked for,
// drift of CPU and memory (reported, or put back with a reboot), and duplicates (a second
// VM with this machine's uid, left by a race between two servers) removed.
import type { MachineObservation } from '../types.ts';
import { apiPath, isUpid } from './api/index.ts';
import { adoptRecord, observation, type MachineContext } from './context.ts';
import { hasKind, providerError, ProxmoxReasons } from './errors.ts';
import type { FoundVM } from './find-vm.ts';
import { cloudInitStatusResult, guestAgentAddress, startCloudInitStatus } from './guest-agent.ts';
import { runningTask, takeFailure } from './machine-state.ts';
import { configDrift, describeDrift } from './vm-config.ts';

const R = ProxmoxReasons;
/** How often a running VM is asked for `cloud-init status` while it is not done. */
const cloudInitCheckMs = 5_000;

function signalOption(ctx: MachineContext) {
  return ctx.signal ? { signal: ctx.signal } : {};
}

/** What a running VM looks like: its address, drift, cloud-init. Changes nothing. */
export async function runningObservation(
  ctx: MachineContext,
  vm: FoundVM,
): Promise<MachineObservation> {
  const answer = await guestAgentAddress(
    ctx.api,
    vm,
    ctx.network,
    ctx.settings.guestAgentTimeoutSec,
    ctx.signal,
  );
  if (answer.kind === 'waiting')
    return observation('Starting', answer.reason, answer.message, vm.vmid);
  const addresses = [
    { type: 'InternalIP' as const, address: answer.address },
    { type: 'Hostname' as const, address: ctx.request.machineName },
  ];
  const record = ctx.records.get(ctx.request.machineUID);
  if (runningTask(record, 'repair')) {
    return observation(
      'Starting',
      R.RepairingConfigDrift,
      `VM ${vm.vmid} restarts with the configured CPU and memory`,
      vm.vmid,
      addresses,
    );
  }
  if (ctx.settings.waitForCloudInit && record?.cloudInit?.status !== 'done') {
    const status = record?.cloudInit?.status;
    if (status === 'error') {
      return observation(
        'Failed',
        R.CloudInitFailed,
        `cloud-init reported an error in VM ${vm.vmid}: see /var/log/cloud-init-output.log in the guest`,
        vm.vmid,
        addresses,
      );
    }
    return observation(
      'Starting',
      R.WaitingForCloudInit,
      `VM ${vm.vmid} has address ${answer.address}; cloud-init is ${status ?? 'not checked yet'}`,
      vm.vmid,
      addresses,
    );
  }
  const drift = configDrift(vm.config, ctx.settings);
  if (drift.length > 0) {
    const message = `VM ${vm.vmid} was changed outside Slipway: ${describeDrift(drift)}`;
    return ctx.settings.repairDrift
      ? observation(
          'Starting',
          R.ConfigDrift,
          `${message}; it is put back and the VM restarted`,
          vm.vmid,
          addresses,
        )
      : observation(
          'Running',
          R.ConfigDrift,
          `${message} (set repairDrift to put it back)`,
          vm.vmid,
          addresses,
        );
  }
  return observation(
    'Running',
    R.VMRunning,
    `VM ${vm.vmid} runs on ${vm.node} at ${answer.address}`,
    vm.vmid,
    addresses,
  );
}

// A clone reports no providerID: until its VM carries the machine's uid (when the clone
// ends), its VMID may still be lost to another clone that took it first.

/** Observe without changing anything; undefined when the machine has no VM. */
export async function repairDrift(ctx: MachineContext, vm: FoundVM): Promise<MachineObservation> {
  const record = adoptRecord(ctx, vm, ctx.settings.memoryMiB);
  const failure = takeFailure(record, 'repair');
  if (failure !== undefined)
    throw providerError(failure, `restarting VM ${vm.vmid} after putting back its CPU and memory`);
  const { settings } = ctx;
  try {
    await ctx.api.post<unknown>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/config`,
      {
        cores: settings.cores,
        sockets: settings.sockets,
        memory: String(settings.memoryMiB),
        ...(typeof vm.config['digest'] === 'string' ? { digest: vm.config['digest'] } : {}),
      },
      signalOption(ctx),
    );
    const upid = await ctx.api.post<unknown>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/status/reboot`,
      {},
      signalOption(ctx),
    );
    if (isUpid(upid)) ctx.records.track(ctx.api, record, 'repair', upid);
  } catch (err: unknown) {
    throw providerError(err, `putting back the CPU and memory of VM ${vm.vmid}`);
  }
  return observation(
    'Starting',
    R.RepairingConfigDrift,
    `VM ${vm.vmid} restarts with ${describeDrift(configDrift(vm.config, settings))} put back`,
    vm.vmid,
  );
}

export async function checkCloudInit(ctx: MachineContext, vm: FoundVM): Promise<void> {
  const record = adoptRecord(ctx, vm, ctx.settings.memoryMiB);
  const check = record.cloudInit;
  if (check?.pid !== undefined) {
    const status = await cloudInitStatusResult(ctx.api, vm, check.pid, ctx.signal);
    if (status === undefined) return;
    record.cloudInit = { at: ctx.now(), status };
    return;
  }
  if (check && ctx.now() - check.at < cloudInitCheckMs) return;
  const pid = await startCloudInitStatus(ctx.api, vm, ctx.signal);
  record.cloudInit = { pid, at: ctx.now(), ...(check?.status ? { status: check.status } : {}) };
}

/**
 * Stop and destroy VMs that carry this machine's uid besides the one adopted: one step
 * each call (stop, then destroy once stopped). Locked ones are left for a later pass.
 */
export async function removeDuplicates(ctx: MachineContext, vm: FoundVM): Promise<void> {
  for (const dup of vm.duplicates) {
    const base = apiPath`/nodes/${dup.node}/qemu/${dup.vmid}`;
    try {
      const status = await ctx.api.get<{ status?: string; lock?: string }>(
        `${base}/status/current`,
        undefined,
        signalOption(ctx),
      );
      if (status.lock) continue;
      if (status.status === 'running') {
        await ctx.api.post<unknown>(`${base}/status/stop`, {}, signalOption(ctx));
      } else {
        await ctx.api.delete<unknown>(
          base,
          { purge: true, 'destroy-unreferenced-disks': true },
          signalOption(ctx),
        );
        ctx.view.invalidate('vms');
      }
    } catch (err: unknown) {
      if (hasKind(err, 'not-found')) continue;
      throw providerError(err, `removing VM ${dup.vmid}, a second VM of this machine`);
    }
  }
}
