// One machine's next step (reconcileMachine) and its read-only view (observeMachine):
// find the VM by the machine's uid; clone it when there is none; wait out a clone lock;
// configure it; start it; wait for the guest agent to report its address; report drift.
// Every pass starts from what Proxmox shows, so a restart at any point resumes.
import type { MachineObservation } from '../types.ts';
import { apiPath, isUpid } from './api/index.ts';
import { isConfigured } from './clone-config.ts';
import { configureStep } from './configure-vm.ts';
import { adoptRecord, observation, type MachineContext } from './context.ts';
import { startClone } from './create-vm.ts';
import { providerError, ProxmoxReasons } from './errors.ts';
import { findMachineVM, readStatus, type FoundVM } from './find-vm.ts';
import { runningTask, takeFailure } from './machine-state.ts';
import { isStopping, powerOffStep, stoppedOnPurpose } from './power-off.ts';
import { checkCloudInit, removeDuplicates, repairDrift, runningObservation } from './running-vm.ts';
import { sshBootstrapObservation, sshBootstrapStep } from './ssh-bootstrap.ts';
import { readSshLoginKey } from './ssh-key.ts';

const R = ProxmoxReasons;

function signalOption(ctx: MachineContext) {
  return ctx.signal ? { signal: ctx.signal } : {};
}

async function find(ctx: MachineContext) {
  return findMachineVM({
    api: ctx.api,
    view: ctx.view,
    records: ctx.records,
    machineName: ctx.request.machineName,
    uid: ctx.request.machineUID,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

function lockObservation(vm: FoundVM): MachineObservation | undefined {
  const lock =
    vm.status.lock ?? (typeof vm.config['lock'] === 'string' ? vm.config['lock'] : undefined);
  if (!lock) return undefined;
  if (lock === 'clone') {
    return observation(
      'Creating',
      R.WaitingForCloneTask,
      `VM ${vm.vmid} is being cloned on ${vm.node}`,
      vm.vmid,
    );
  }
  return observation(
    vm.status.status === 'running' ? 'Starting' : 'Creating',
    R.StorageLocked,
    `VM ${vm.vmid} is locked (${lock}); waiting for that operation to finish`,
    vm.vmid,
  );
}

function unknownClonesObservation(vmids: readonly number[]): MachineObservation {
  return observation(
    'Creating',
    R.WaitingForCloneTask,
    `clones Slipway did not start in this run are under way (VM ${vmids.join(', ')}); one may be this machine's, made before a restart: waiting for them to finish`,
  );
}

export async function observeStep(ctx: MachineContext): Promise<MachineObservation | undefined> {
  const found = await find(ctx);
  if (found.kind === 'absent') return undefined;
  if (found.kind === 'unknown-clones') return unknownClonesObservation(found.vmids);
  if (found.kind === 'creating') {
    const { record } = found;
    return observation(
      'Creating',
      R.CloningVM,
      `VM ${record.vmid} is being cloned from template ${record.templateVmid} for node ${record.node}`,
    );
  }
  const vm = found.vm;
  const locked = lockObservation(vm);
  if (locked) return locked;
  if (!isConfigured(vm.config, ctx.identity)) {
    return observation(
      'Creating',
      R.ConfiguringVM,
      `VM ${vm.vmid} is cloned and not configured yet`,
      vm.vmid,
    );
  }
  if (vm.status.status !== 'running') {
    const record = ctx.records.get(ctx.request.machineUID);
    return runningTask(record, 'start')
      ? observation('Starting', R.StartingVM, `VM ${vm.vmid} is starting on ${vm.node}`, vm.vmid)
      : observation('Stopped', R.VMStopped, `VM ${vm.vmid} on ${vm.node} is stopped`, vm.vmid);
  }
  if (isStopping(ctx)) {
    return observation('Stopping', R.StoppingVM, `VM ${vm.vmid} is shutting down`, vm.vmid);
  }
  const seen = await runningObservation(ctx, vm);
  return ctx.settings.bootstrapMode === 'proxmox-cloudinit'
    ? sshBootstrapObservation(ctx, vm, seen)
    : seen;
}

async function startStep(ctx: MachineContext, vm: FoundVM): Promise<MachineObservation> {
  const record = adoptRecord(ctx, vm, ctx.settings.memoryMiB);
  if (runningTask(record, 'start')) {
    return observation(
      'Starting',
      R.StartingVM,
      `VM ${vm.vmid} is starting on ${vm.node}`,
      vm.vmid,
    );
  }
  const failure = takeFailure(record, 'start');
  if (failure !== undefined) {
    // A start task can fail after the VM came up (a slow QMP answer): running counts.
    const status = await readStatus(ctx.api, vm.node, vm.vmid, ctx.signal);
    if (status?.status !== 'running') throw providerError(failure, `starting VM ${vm.vmid}`);
    return observation(
      'Starting',
      R.WaitingForGuestAgent,
      `VM ${vm.vmid} runs on ${vm.node}`,
      vm.vmid,
    );
  }
  let upid: unknown;
  try {
    upid = await ctx.api.post<unknown>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/status/start`,
      {},
      signalOption(ctx),
    );
  } catch (err: unknown) {
    const status = await readStatus(ctx.api, vm.node, vm.vmid, ctx.signal);
    if (status?.status === 'running') {
      return observation(
        'Starting',
        R.WaitingForGuestAgent,
        `VM ${vm.vmid} runs on ${vm.node}`,
        vm.vmid,
      );
    }
    throw providerError(err, `starting VM ${vm.vmid}`);
  }
  if (isUpid(upid)) ctx.records.track(ctx.api, record, 'start', upid);
  return observation('Starting', R.StartingVM, `VM ${vm.vmid} is starting on ${vm.node}`, vm.vmid);
}

/** Take the next step toward a running machine. */
export async function reconcileStep(ctx: MachineContext): Promise<MachineObservation> {
  const found = await find(ctx);
  if (found.kind === 'creating') {
    const { record } = found;
    const failure = takeFailure(record, 'clone');
    if (failure !== undefined) {
      ctx.records.delete(record.uid);
      throw providerError(
        failure,
        `cloning VM ${record.vmid} from template ${record.templateVmid}`,
      );
    }
    return observation(
      'Creating',
      R.CloningVM,
      `VM ${record.vmid} is being cloned from template ${record.templateVmid} for node ${record.node}`,
    );
  }
  if (found.kind === 'unknown-clones') return unknownClonesObservation(found.vmids);
  if (found.kind === 'absent') {
    // Without a login key the VM could never get its user-data: say so before cloning.
    if (ctx.settings.bootstrapMode === 'proxmox-cloudinit') readSshLoginKey(ctx.request.credential);
    const outcome = await startClone(ctx);
    if (outcome.kind === 'waiting-for-slot') {
      return observation('Creating', R.WaitingForCloneSlot, outcome.message);
    }
    return observation(
      'Creating',
      R.CloningVM,
      `VM ${outcome.vmid} is being cloned from template ${outcome.template.vmid}${outcome.template.name ? ` (${outcome.template.name})` : ''} for node ${outcome.node}`,
    );
  }
  const vm = found.vm;
  if (vm.duplicates.length > 0) await removeDuplicates(ctx, vm);
  const locked = lockObservation(vm);
  if (locked) return locked;
  const off = ctx.request.powerState === 'Off';
  if (vm.status.status !== 'running') {
    const step = await configureStep(ctx, vm);
    if (step) return step;
    if (off) {
      // A start this process asked for is still on its way: it is stopped once up.
      const record = ctx.records.get(ctx.request.machineUID);
      return runningTask(record, 'start')
        ? observation('Starting', R.StartingVM, `VM ${vm.vmid} is starting on ${vm.node}`, vm.vmid)
        : stoppedOnPurpose(vm);
    }
    return startStep(ctx, vm);
  }
  if (off) return powerOffStep(ctx, vm);
  const seen = await runningObservation(ctx, vm);
  if (seen.reason === R.ConfigDrift && ctx.settings.repairDrift) return repairDrift(ctx, vm);
  if (seen.reason === R.WaitingForCloudInit) {
    await checkCloudInit(ctx, vm);
    return runningObservation(ctx, vm);
  }
  return ctx.settings.bootstrapMode === 'proxmox-cloudinit'
    ? sshBootstrapStep(ctx, vm, seen)
    : seen;
}
