// What happens to a simulated VM when one of its transitions completes, and what that
// does to its node in the simulated cluster. Effects on the cluster registry are made
// before the VM's new state is saved, and every effect is safe to repeat: a crash
// between the two only means the transition runs again after the restart.
import { simProviderID } from './addresses.ts';
import type { SimClusterRegistry } from './child-cluster-types.ts';
import { stageDelay } from './latency.ts';
import { bootSimNode, SimBootReasons } from './node-boot.ts';
import type { SimVM, SimVMStore } from './vm-store.ts';

export interface LifecycleContext {
  store: SimVMStore;
  registry: SimClusterRegistry;
  now: () => number;
  random: () => number;
}

export function providerIDOf(vm: SimVM): string {
  return simProviderID(vm.namespace, vm.machineName, vm.vmid);
}

/** The VM's node, if the cluster has one registered by this very VM. */
function ownNode(ctx: LifecycleContext, vm: SimVM) {
  const { clusterId, nodeName } = vm.boot ?? {};
  if (vm.boot?.status !== 'joined' || !clusterId || !nodeName) return undefined;
  if (!ctx.registry.getCluster(clusterId)) return undefined;
  const node = ctx.registry.listNodes(clusterId).find((n) => n.name === nodeName);
  return node?.providerID === providerIDOf(vm) ? { clusterId, node } : undefined;
}

/** The node's Ready condition follows the VM: set it, if the node is this VM's. */
export async function setOwnNodeReady(
  ctx: LifecycleContext,
  vm: SimVM,
  ready: boolean,
): Promise<void> {
  const own = ownNode(ctx, vm);
  if (own && own.node.ready !== ready) {
    await ctx.registry.setNodeReady(own.clusterId, own.node.name, ready);
  }
}

/** Whether the node should report Ready now: components up and no injected fault. */
function effectiveReady(vm: SimVM): boolean {
  return vm.boot?.status === 'joined' && vm.boot.nodeReady && !vm.nodeFault;
}

/**
 * Run K3s on a running VM: register (or re-register) its node, or record why not. A
 * newly joined node becomes Ready the components latency after `at`, when it booted
 * (which is earlier than now when the hypervisor catches up after a restart).
 */
export async function bootVM(
  ctx: LifecycleContext,
  vm: SimVM,
  ready: boolean,
  at = ctx.now(),
): Promise<SimVM> {
  const data = ctx.store.bootData(vm.vmid);
  if (!data) return vm;
  // With no components latency the node registers Ready at once: one write, not two.
  const componentsMs = ready ? 0 : stageDelay(vm.profile, 'components', ctx.random);
  const readyNow = ready || componentsMs === 0;
  const outcome = await bootSimNode({
    ...data,
    namespace: vm.namespace,
    clusterName: vm.clusterName,
    machineName: vm.machineName,
    address: vm.address,
    providerID: providerIDOf(vm),
    registry: ctx.registry,
    now: new Date(at),
    ready: readyNow && !vm.nodeFault,
  });
  const joined = outcome.status === 'joined';
  const updated: SimVM = { ...vm, boot: { ...outcome, nodeReady: joined && readyNow } };
  delete updated.next;
  if (joined && !readyNow) updated.next = { event: 'componentsReady', at: at + componentsMs };
  ctx.store.save(updated);
  if (joined && outcome.initialize && outcome.clusterId) {
    await rejoinCluster(ctx, outcome.clusterId, vm.vmid);
  }
  return updated;
}

/** Whether a running VM's K3s would retry on its own (waiting, or rejected for now). */
export function retriesJoin(vm: SimVM): boolean {
  return (
    vm.power === 'running' &&
    (vm.boot?.status === 'waiting' || vm.boot?.reason === SimBootReasons.JoinFailed)
  );
}

/**
 * Retry a waiting join, or re-register a joined node its cluster has lost (as a kubelet
 * re-registers). Leaves a joined VM whose node is present alone.
 */
export async function rejoinVM(ctx: LifecycleContext, vm: SimVM): Promise<SimVM> {
  if (vm.power !== 'running' || !vm.boot) return vm;
  if (vm.boot.status === 'joined') {
    if (ownNode(ctx, vm)) return vm;
    return bootVM(ctx, vm, vm.boot.nodeReady);
  }
  if (!retriesJoin(vm)) return vm;
  return bootVM(ctx, vm, false);
}

/** After a restart: nodes the registry lost re-register, waiting joins are retried. */
export async function resyncRegistry(ctx: LifecycleContext): Promise<void> {
  const running = ctx.store
    .list()
    .filter((vm) => vm.power === 'running' && vm.boot)
    // First servers first, so the clusters exist when the others rejoin.
    .sort((a, b) => Number(b.boot?.initialize ?? false) - Number(a.boot?.initialize ?? false));
  for (const vm of running) {
    const current = ctx.store.get(vm.vmid);
    if (current) await rejoinVM(ctx, current);
  }
}

/** A first server (re)created this cluster: nodes waiting for it, or lost by it, (re)join. */
async function rejoinCluster(ctx: LifecycleContext, clusterId: string, except: number) {
  for (const vm of ctx.store.byBootCluster(clusterId)) {
    if (vm.vmid !== except && !vm.boot?.initialize) await rejoinVM(ctx, vm);
  }
}

/** The VM and its disks are gone: its node leaves, and with the last server, the cluster. */
export async function destroyVM(ctx: LifecycleContext, vm: SimVM): Promise<void> {
  const own = ownNode(ctx, vm);
  if (own) await ctx.registry.removeNode(own.clusterId, own.node.name);
  const clusterId = vm.boot?.clusterId;
  if (vm.boot?.status === 'joined' && vm.boot.role === 'server' && clusterId) {
    const otherServers = ctx.store
      .byBootCluster(clusterId)
      .filter((v) => v.vmid !== vm.vmid && v.boot?.role === 'server' && v.boot.status === 'joined');
    if (otherServers.length === 0 && ctx.registry.getCluster(clusterId)) {
      await ctx.registry.removeCluster(clusterId);
    }
  }
  ctx.store.remove(vm.vmid);
}

/**
 * Power the VM off (a clean shutdown is instant in the sim): its node goes NotReady and
 * K3s components count as down until the next start.
 */
export async function shutDownVM(ctx: LifecycleContext, vm: SimVM): Promise<SimVM> {
  await setOwnNodeReady(ctx, vm, false);
  const stopped: SimVM = { ...vm, power: 'stopped' };
  if (stopped.boot) stopped.boot = { ...stopped.boot, nodeReady: false };
  delete stopped.next;
  ctx.store.save(stopped);
  return stopped;
}

/** Complete the VM's scheduled transition (the caller checked that it is due). */
export async function completeTransition(ctx: LifecycleContext, vm: SimVM): Promise<void> {
  switch (vm.next?.event) {
    case 'provisioned':
    case 'started': {
      await bootVM(ctx, { ...vm, power: 'running', nodeFault: false }, false, vm.next.at);
      return;
    }
    case 'componentsReady': {
      const updated: SimVM = { ...vm };
      if (vm.boot) updated.boot = { ...vm.boot, nodeReady: true };
      delete updated.next;
      if (effectiveReady(updated)) await setOwnNodeReady(ctx, updated, true);
      ctx.store.save(updated);
      return;
    }
    case 'deleted':
      await destroyVM(ctx, vm);
      return;
    case undefined:
      return;
  }
}
