// Faults injected into one existing VM: it stops, breaks, or its node goes NotReady.
// (A VM that vanishes is vm-lifecycle.ts's destroyVM, without the deletion latency.)
import { setOwnNodeReady, shutDownVM, type LifecycleContext } from './vm-lifecycle.ts';
import type { SimVM } from './vm-store.ts';

/** The VM powers off behind Slipway's back; its node goes NotReady. */
export async function powerOffVM(ctx: LifecycleContext, vm: SimVM): Promise<void> {
  if (vm.power !== 'running' && vm.power !== 'starting') {
    throw new Error(`sim VM ${vm.vmid} is ${vm.power}; only a running VM can be stopped`);
  }
  await shutDownVM(ctx, vm);
}

/** The VM breaks beyond repair: observed as Failed with this reason and message. */
export async function breakVM(
  ctx: LifecycleContext,
  vm: SimVM,
  failure: { reason: string; message: string },
): Promise<void> {
  await setOwnNodeReady(ctx, vm, false);
  const failed: SimVM = { ...vm, power: 'failed', failure };
  delete failed.next;
  ctx.store.save(failed);
}

/** The kubelet stops posting status: NotReady until healed or the VM restarts. */
export async function markNodeNotReady(ctx: LifecycleContext, vm: SimVM): Promise<void> {
  await setOwnNodeReady(ctx, vm, false);
  ctx.store.save({ ...vm, nodeFault: true });
}

/** Undo markNodeNotReady without a restart. */
export async function healNode(ctx: LifecycleContext, vm: SimVM): Promise<void> {
  const healed: SimVM = { ...vm, nodeFault: false };
  if (vm.power === 'running' && vm.boot?.nodeReady) await setOwnNodeReady(ctx, healed, true);
  ctx.store.save(healed);
}
