// Deleting a machine's VM, one step per call: wait out a clone, stop the VM (a clean
// shutdown that Proxmox turns into a hard stop after stopGraceSec), destroy it with
// `purge` and `destroy-unreferenced-disks`, then remove the boot-data ISO from every node
// that has it. A VM already gone counts as deleted; a VM without this machine's uid is
// never touched.
import type { DeleteObservation } from '../types.ts';
import { noCloudIsoFileName } from '../nocloud/index.ts';
import { apiPath, isUpid } from './api/index.ts';
import { adoptRecord, type MachineContext } from './context.ts';
import { hasKind, providerError, ProxmoxReasons } from './errors.ts';
import { findMachineVM, type FoundVM } from './find-vm.ts';
import { runningTask, takeFailure, type MachineRecord, type TaskHolder } from './machine-state.ts';
import { isSharedStorage } from './view.ts';

const R = ProxmoxReasons;

/** The parts of the context deleting needs: settings may be unreadable by now. */
export type DeleteContext = Omit<MachineContext, 'settings'> & {
  isoStorage: string;
  stopGraceSec: number;
};

function pending(reason: string, message: string): DeleteObservation {
  return { gone: false, reason, message };
}

function signalOption(ctx: DeleteContext) {
  return ctx.signal ? { signal: ctx.signal } : {};
}

async function stopOrDestroy(ctx: DeleteContext, vm: FoundVM, record: MachineRecord) {
  const running = runningTask(
    record,
    'destroy',
    'stop',
    'configure',
    'start',
    'upload',
    'resize',
    'repair',
  );
  if (running?.kind === 'destroy')
    return pending(R.DeletingVM, `VM ${vm.vmid} is being destroyed on ${vm.node}`);
  if (running?.kind === 'stop')
    return pending(
      R.StoppingVM,
      `VM ${vm.vmid} is stopping (hard stop after ${ctx.stopGraceSec} s)`,
    );
  if (running)
    return pending(R.DeletingVM, `waiting for the ${running.kind} task of VM ${vm.vmid} to end`);
  const lock =
    vm.status.lock ?? (typeof vm.config['lock'] === 'string' ? vm.config['lock'] : undefined);
  if (lock === 'clone')
    return pending(
      R.WaitingForCloneTask,
      `VM ${vm.vmid} is still being cloned; it is deleted after`,
    );
  if (lock) return pending(R.StorageLocked, `VM ${vm.vmid} is locked (${lock})`);
  for (const kind of ['stop', 'destroy'] as const) {
    const failure = takeFailure(record, kind);
    if (failure !== undefined && !hasKind(failure, 'not-found')) {
      throw providerError(failure, `${kind === 'stop' ? 'stopping' : 'destroying'} VM ${vm.vmid}`);
    }
  }
  const base = apiPath`/nodes/${vm.node}/qemu/${vm.vmid}`;
  try {
    if (vm.status.status === 'running') {
      const upid =
        ctx.stopGraceSec > 0
          ? await ctx.api.post<unknown>(
              `${base}/status/shutdown`,
              { forceStop: true, timeout: ctx.stopGraceSec },
              signalOption(ctx),
            )
          : await ctx.api.post<unknown>(`${base}/status/stop`, {}, signalOption(ctx));
      if (isUpid(upid)) ctx.records.track(ctx.api, record, 'stop', upid);
      return pending(
        R.StoppingVM,
        `VM ${vm.vmid} is stopping (hard stop after ${ctx.stopGraceSec} s)`,
      );
    }
    const upid = await ctx.api.delete<unknown>(
      base,
      { purge: true, 'destroy-unreferenced-disks': true },
      signalOption(ctx),
    );
    if (isUpid(upid))
      ctx.records.track(ctx.api, record, 'destroy', upid, () => ctx.view.invalidate('vms'));
    return pending(R.DeletingVM, `VM ${vm.vmid} is being destroyed on ${vm.node}`);
  } catch (err: unknown) {
    if (hasKind(err, 'not-found')) return pending(R.DeletingVM, `VM ${vm.vmid} is gone`);
    throw providerError(err, `deleting VM ${vm.vmid}`);
  }
}

/** Nodes whose ISO storage may hold the machine's ISO: one for shared storage, else each. */
async function isoLocations(ctx: DeleteContext): Promise<{ node: string; storage: string }[]> {
  const [nodes, storages] = await Promise.all([ctx.view.nodes(), ctx.view.storages()]);
  const online = nodes.filter((n) => n.online).map((n) => n.name);
  const holding = online.filter((node) =>
    storages.some((s) => s.storage === ctx.isoStorage && s.node === node),
  );
  if (isSharedStorage(storages, ctx.isoStorage))
    return holding.slice(0, 1).map((node) => ({ node, storage: ctx.isoStorage }));
  return holding.map((node) => ({ node, storage: ctx.isoStorage }));
}

async function removeIso(
  ctx: DeleteContext,
  record: TaskHolder,
): Promise<DeleteObservation | undefined> {
  if (runningTask(record, 'isoDelete'))
    return pending(R.DeletingBootstrapISO, 'removing the boot-data ISO');
  const failure = takeFailure(record, 'isoDelete');
  if (failure !== undefined && !hasKind(failure, 'not-found'))
    throw providerError(failure, 'removing the boot-data ISO');
  const filename = noCloudIsoFileName(ctx.request.machineName, ctx.request.machineUID);
  const volid = `${ctx.isoStorage}:iso/${filename}`;
  let locations;
  try {
    locations = await isoLocations(ctx);
  } catch (err: unknown) {
    throw providerError(err, 'listing nodes and storages');
  }
  for (const { node, storage } of locations) {
    let content: { volid?: string }[];
    try {
      content = await ctx.api.get<{ volid?: string }[]>(
        apiPath`/nodes/${node}/storage/${storage}/content`,
        { content: 'iso' },
        signalOption(ctx),
      );
    } catch (err: unknown) {
      if (hasKind(err, 'not-found')) continue;
      throw providerError(err, `listing ISO images of ${storage} on ${node}`);
    }
    if (!content.some((c) => c.volid === volid)) continue;
    try {
      const upid = await ctx.api.delete<unknown>(
        apiPath`/nodes/${node}/storage/${storage}/content/${volid}`,
        undefined,
        signalOption(ctx),
      );
      if (isUpid(upid)) ctx.records.track(ctx.api, record, 'isoDelete', upid);
    } catch (err: unknown) {
      if (hasKind(err, 'not-found')) continue;
      throw providerError(err, `removing ${volid} on ${node}`);
    }
    return pending(R.DeletingBootstrapISO, `removing ${volid} from ${node}`);
  }
  return undefined;
}

/** Take the next step toward the machine being gone. */
export async function deleteStep(ctx: DeleteContext): Promise<DeleteObservation> {
  const found = await findMachineVM({
    api: ctx.api,
    view: ctx.view,
    records: ctx.records,
    machineName: ctx.request.machineName,
    uid: ctx.request.machineUID,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (found.kind === 'creating') {
    const { record } = found;
    if (record.tasks.clone?.state === 'failed') {
      // The clone failed and left nothing; nothing is left to wait for.
      ctx.records.delete(record.uid);
    } else {
      return pending(
        R.WaitingForCloneTask,
        `VM ${record.vmid} is still being cloned; it is deleted after`,
      );
    }
  }
  if (found.kind === 'unknown-clones') {
    return pending(
      R.WaitingForCloneTask,
      `clones Slipway did not start in this run are under way (VM ${found.vmids.join(', ')}); one may be this machine's: waiting for them before deciding nothing is left`,
    );
  }
  if (found.kind === 'found') {
    const record = adoptRecord(ctx, found.vm);
    return stopOrDestroy(ctx, found.vm, record);
  }
  const uid = ctx.request.machineUID;
  ctx.records.delete(uid);
  let cleanup = ctx.records.cleanups.get(uid);
  if (!cleanup) {
    cleanup = { tasks: {} };
    ctx.records.cleanups.set(uid, cleanup);
  }
  const iso = await removeIso(ctx, cleanup);
  if (iso) return iso;
  ctx.records.cleanups.delete(uid);
  return {
    gone: true,
    reason: R.VMDeleted,
    message: 'no VM or boot-data ISO of this machine is left',
  };
}
