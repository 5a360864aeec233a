// Machine controller: drives one node through the infrastructure provider (create,
// start, addresses, delete) with boot data from the bootstrap provider, and finds its
// node in the child cluster. Every pass asks the provider and the child API where things
// stand; nothing is remembered between passes but what the store holds.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { AnyResource } from '../api/meta.ts';
import {
  MachineConditions as Conditions,
  MachineReasons as Reasons,
  type Machine,
} from '../api/kinds/machine.ts';
import type { MachineObservation } from '../providers/infrastructure/types.ts';
import type { Store } from '../store/types.ts';
import {
  listClusterMachines,
  machineFinalizer,
  type MachineSource,
} from './cluster-deployment/machines.ts';

export { machineFinalizer };
import { readKubeconfig } from './cluster-deployment/secrets.ts';
import {
  falseCondition,
  findCondition,
  setConditions,
  trueCondition,
  type ConditionInput,
} from './conditions.ts';
import {
  ChildClientCache,
  type BootstrapProviders,
  type ChildClusterClient,
  type ChildClusterClientFactory,
  type EndpointResolver,
  type Events,
  type InfrastructureProviders,
} from './dependencies.ts';
import { IPAddressAllocator } from './ipam/allocator.ts';
import { firstControlPlaneHost, machineNetwork } from './ipam/machine-network.ts';
import { controlPlaneVIPOf } from './ipam/vip.ts';
import {
  bootstrapSecretNameOf,
  ensureBootstrapData,
  machineCredential,
  machineProvider,
  machineRequest,
  readBootstrapData,
} from './machine-context.ts';
import { awake, hibernatedStep, needsPowerOff } from './machine-hibernation.ts';
import { nodeStep, type MachinePhase, type NodeLookup } from './machine-node.ts';
import {
  deleteIfExists,
  ensureFinalizer,
  getIfExists,
  hasFinalizer,
  isControlledBy,
  isDeleting,
  keyOf,
  parseKey,
  removeFinalizer,
} from './objects.ts';
import { withDeadline } from './runtime/deadline.ts';
import type { ControllerOptions } from './runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from './runtime/types.ts';
import { untilSteadyCheck } from './steady-check.ts';

export const machineControllerName = 'machine';

/** How old a node list a Ready machine's drift check may use (see findNode). */
const sharedNodeListMaxAgeMs = 2_000;

export interface MachineSettings {
  /** How soon a machine on its way (or being deleted) is looked at again (ms). */
  pollIntervalMs: number;
  /**
   * How often a Ready machine is checked for drift: VM gone, stopped, node NotReady (ms).
   * Checks come at its cluster's tick (steady-check.ts), with the cluster's.
   */
  steadyIntervalMs: number;
  /** How long a machine being deleted waits for its node to drain before going anyway (ms). */
  drainTimeoutMs: number;
  /** The longest one drain call may take before the pass ends and is tried again (ms). */
  drainStepMs: number;
  /** How long one call to the child API may take (ms). */
  childApiTimeoutMs: number;
}

export const defaultMachineSettings: MachineSettings = {
  pollIntervalMs: 2_000,
  // Every 30 s, a thousand clusters' machines kept a third of a core busy doing nothing;
  // every 10 min is the resync period Kubernetes controllers use (controller-runtime,
  // Cluster API), and what keeps 1,000 settled clusters under 2% of a core.
  steadyIntervalMs: 10 * 60_000,
  drainTimeoutMs: 5 * 60_000,
  drainStepMs: 20_000,
  childApiTimeoutMs: 5_000,
};

export interface MachineControllerDeps {
  store: Store;
  infrastructure: InfrastructureProviders;
  bootstrap: BootstrapProviders;
  childClients: ChildClusterClientFactory;
  /** Clients shared with the ClusterDeployment controller; one of its own when not given. */
  childClientCache?: ChildClientCache;
  endpointResolver: EndpointResolver;
  events: Events;
  /**
   * The runtime's Machine informer (`manager.informer('Machine')`), to find a cluster's
   * other Machines; else the store is listed.
   */
  machines?: MachineSource;
  /** Claims static addresses; shared with the ClusterDeployment controller. One of its own when not given. */
  allocator?: IPAddressAllocator;
  settings?: Partial<MachineSettings>;
  /** Overrides the reconcile context's clock. */
  clock?: () => Date;
}

type MachineStatus = NonNullable<Machine['status']>;

function errorReason(err: unknown): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' && /^[A-Z][A-Za-z]*$/.test(reason)
    ? reason
    : Reasons.ProviderError;
}

/** The child API answered that the node does not exist (src/childcluster ChildClusterError). */
function isNodeNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'ChildAPINotFound';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function machineController(deps: MachineControllerDeps): ControllerOptions {
  const settings: MachineSettings = { ...defaultMachineSettings, ...deps.settings };
  const { store, events } = deps;
  const clients = deps.childClientCache ?? new ChildClientCache(deps.childClients);
  const allocator = deps.allocator ?? new IPAddressAllocator({ store });

  /** The next drift check: at the cluster's own tick, with its other machines. */
  function steadyCheck(cluster: ClusterDeployment, now: Date): number {
    return untilSteadyCheck(settings.steadyIntervalMs, cluster.metadata.uid ?? '', now.getTime());
  }

  async function kubeconfigOf(cluster: ClusterDeployment): Promise<string | undefined> {
    return readKubeconfig(store, cluster.metadata.namespace ?? '', cluster.metadata.name);
  }

  async function childClient(cluster: ClusterDeployment): Promise<ChildClusterClient | undefined> {
    const kubeconfig = await kubeconfigOf(cluster);
    if (!kubeconfig) return undefined;
    return clients.get(cluster.metadata.uid ?? '', kubeconfig);
  }

  async function findNode(
    ctx: ReconcileContext,
    cluster: ClusterDeployment,
    machine: Machine,
    providerID: string | undefined,
  ): Promise<NodeLookup> {
    const kubeconfig = await kubeconfigOf(cluster);
    if (!kubeconfig) return { state: 'unreachable', message: 'the cluster has no kubeconfig yet' };
    try {
      // A machine that was Ready is only checked for drift, with its cluster's other
      // machines at the same moment: they share one list. One on its way asks afresh,
      // or it could miss the node it just registered.
      const nodes = await withDeadline(ctx.signal, settings.childApiTimeoutMs, (signal) =>
        clients.listNodes(cluster.metadata.uid ?? '', kubeconfig, {
          maxAgeMs: machine.status?.ready === true ? sharedNodeListMaxAgeMs : 0,
          signal,
        }),
      );
      const node =
        (providerID ? nodes.find((n) => n.providerID === providerID) : undefined) ??
        nodes.find((n) => n.name === machine.metadata.name);
      return node ? { state: 'found', node } : { state: 'absent' };
    } catch (err: unknown) {
      ctx.signal.throwIfAborted();
      return { state: 'unreachable', message: errorMessage(err) };
    }
  }

  /**
   * Whether another control plane of the cluster has a node. With the Machine informer,
   * its cache names the candidates and each is read again from the store, so a lagging
   * cache cannot hide a node: a Machine only gets `nodeName` from a pass of this
   * controller, whose keys come from that same informer, so every Machine that has one
   * is in the cache. Without the informer, the store lists every Machine of the
   * namespace (a cost that grows with the fleet).
   */
  async function otherControlPlaneHasNode(
    machine: Machine,
    cluster: ClusterDeployment,
  ): Promise<boolean> {
    const namespace = machine.metadata.namespace ?? '';
    const candidates = (await listClusterMachines(store, cluster, deps.machines)).filter(
      (m) => m.metadata.name !== machine.metadata.name && m.spec.role === 'control-plane',
    );
    for (const candidate of candidates) {
      const current = deps.machines
        ? await getIfExists<Machine>(store, 'Machine', namespace, candidate.metadata.name)
        : candidate;
      if (
        current &&
        isControlledBy(current, cluster) &&
        !isDeleting(current) &&
        current.status?.nodeName !== undefined
      ) {
        return true;
      }
    }
    return false;
  }

  async function saveStatus(machine: Machine, status: MachineStatus): Promise<void> {
    if (isDeepStrictEqual(status, machine.status)) return;
    await store.updateStatus<Machine>({ ...machine, status });
    // Only failures become Events here: a node joining shows in the phase, and at fleet
    // scale an Event per machine per step would double the store writes.
    if (status.phase === 'Failed' && machine.status?.phase !== 'Failed') {
      void events.record(
        machine,
        'Warning',
        status.failureReason ?? 'Failed',
        status.failureMessage ?? 'machine failed',
      );
    }
  }

  function withConditions(
    machine: Machine,
    now: Date,
    phase: MachinePhase,
    conditions: ConditionInput[],
    extra: Partial<MachineStatus> = {},
  ): MachineStatus {
    const generation = machine.metadata.generation;
    const status: MachineStatus = {
      ...(machine.status ?? {}),
      ...extra,
      phase,
      conditions: setConditions(machine.status?.conditions, conditions, now, generation),
    };
    if (phase !== 'Failed') {
      delete status.failureReason;
      delete status.failureMessage;
    }
    if (generation !== undefined) status.observedGeneration = generation;
    return status;
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const found = await getIfExists<Machine>(store, 'Machine', namespace, name);
    if (!found) return {};
    const now = deps.clock?.() ?? ctx.now();
    const cluster = await getIfExists<ClusterDeployment>(
      store,
      'ClusterDeployment',
      namespace,
      found.spec.clusterName,
    );
    if (isDeleting(found)) return reconcileDelete(ctx, found, cluster, now);
    const machine = await ensureFinalizer(store, found, machineFinalizer);
    const current = cluster?.spec.hibernated === true ? machine : awake(machine);
    return reconcileNormal(ctx, current, cluster, now);
  }

  async function reconcileNormal(
    ctx: ReconcileContext,
    machine: Machine,
    cluster: ClusterDeployment | undefined,
    now: Date,
  ): Promise<ReconcileResult> {
    const waiting = (reason: string, message: string): ConditionInput[] => [
      falseCondition(Conditions.InfrastructureReady, Reasons.WaitingForInfrastructure, message),
      falseCondition(Conditions.BootstrapReady, reason, message),
      falseCondition(Conditions.NodeReady, Reasons.WaitingForNode, 'no node yet'),
      falseCondition(Conditions.Ready, reason, message),
    ];
    const poll = { requeueAfter: settings.pollIntervalMs };

    // 1. The cluster, provider and credential.
    if (!cluster) {
      const message = `cluster ${machine.spec.clusterName} does not exist`;
      await saveStatus(
        machine,
        withConditions(machine, now, 'Pending', waiting(Reasons.WaitingForInfrastructure, message)),
      );
      return poll;
    }
    const provider = await machineProvider(store, deps.infrastructure, machine);
    const credential = await machineCredential(store, machine, cluster);
    if (!provider.ok || !credential.ok) {
      const why = !provider.ok ? provider : !credential.ok ? credential : undefined;
      await saveStatus(
        machine,
        withConditions(
          machine,
          now,
          'Pending',
          waiting(why?.reason ?? Reasons.ProviderError, why?.message ?? ''),
        ),
      );
      return poll;
    }

    // 2. The address (static: claimed from the pool before anything boots), then boot data.
    const networking = await machineNetwork({ allocator, machine, cluster });
    if (!networking.ok) {
      const before = findCondition(machine.status?.conditions, Conditions.BootstrapReady);
      if (before?.reason !== networking.reason) {
        void events.record(machine, 'Warning', networking.reason, networking.message);
      }
      await saveStatus(
        machine,
        withConditions(machine, now, 'Pending', waiting(networking.reason, networking.message)),
      );
      return poll;
    }
    const network = networking.value;
    const clusterMachines = async () => listClusterMachines(store, cluster, undefined);
    const bootData = () =>
      ensureBootstrapData({
        store,
        machine,
        cluster,
        bootstrap: deps.bootstrap,
        endpointResolver: deps.endpointResolver,
        provider: provider.value,
        controlPlaneVIP: () => controlPlaneVIPOf({ store, allocator, cluster }),
        firstControlPlaneAddress: async () => firstControlPlaneHost(store, await clusterMachines()),
        clusterExists: () => otherControlPlaneHasNode(machine, cluster),
        ...(network.bootstrap ? { network: network.bootstrap } : {}),
      });
    let boot = await bootData();
    if (!boot.ok) {
      await saveStatus(
        machine,
        withConditions(
          machine,
          now,
          'Pending',
          waiting(Reasons.WaitingForBootstrapData, boot.message),
        ),
      );
      return poll;
    }
    const bootstrapReady = trueCondition(
      Conditions.BootstrapReady,
      Reasons.AsExpected,
      `boot data in Secret ${bootstrapSecretNameOf(machine)}`,
    );

    // 3. The VM: look first; act only when it is not running (created, recreated, started).
    let request = machineRequest(machine, credential.value, boot.value.data, network.provider);
    let observed: MachineObservation | undefined;
    const hibernated = cluster.spec.hibernated === true;
    try {
      observed = await provider.value.observeMachine(request, ctx.signal);
      if (hibernated) {
        // Powered off and kept: nothing is created, recreated or started.
        if (needsPowerOff(observed)) {
          observed = await provider.value.reconcileMachine(
            { ...request, powerState: 'Off' },
            ctx.signal,
          );
        }
      } else {
        if (!observed && machine.status?.providerID) {
          void events.record(
            machine,
            'Warning',
            'VMVanished',
            `VM ${machine.status.providerID} is gone; creating it again`,
          );
          if (machine.spec.bootstrap?.initialize === true) {
            // Its boot data initialises the cluster; render it again, so that a cluster
            // living on in other control planes is joined instead of split in two.
            const namespace = machine.metadata.namespace ?? '';
            await deleteIfExists(store, 'Secret', namespace, bootstrapSecretNameOf(machine));
            boot = await bootData();
            if (!boot.ok) throw new Error(`rendering boot data again: ${boot.message}`);
            request = machineRequest(machine, credential.value, boot.value.data, network.provider);
          }
        } else if (observed?.state === 'Stopped' && machine.status?.phase === 'Running') {
          void events.record(
            machine,
            'Warning',
            'VMStopped',
            `VM ${observed.providerID ?? ''} was stopped; starting it`,
          );
        }
        if (!observed || (observed.state !== 'Running' && observed.state !== 'Failed')) {
          observed = await provider.value.reconcileMachine(request, ctx.signal);
        }
      }
    } catch (err: unknown) {
      ctx.signal.throwIfAborted();
      // Save what went wrong, then let the queue retry with backoff.
      const reason = errorReason(err);
      const message = errorMessage(err);
      await saveStatus(
        machine,
        withConditions(
          machine,
          now,
          machine.status?.providerID ? (machine.status.phase ?? 'Provisioning') : 'Provisioning',
          [
            falseCondition(Conditions.InfrastructureReady, reason, message),
            bootstrapReady,
            falseCondition(Conditions.Ready, reason, message),
          ],
        ),
      );
      throw err;
    }

    if (!observed || (hibernated && observed.state !== 'Failed')) {
      // Hibernated: addresses and node are kept for when the cluster wakes.
      const step = hibernatedStep(machine, observed, bootstrapReady);
      const extra = { ready: false, ...(step.providerID ? { providerID: step.providerID } : {}) };
      await saveStatus(machine, withConditions(machine, now, step.phase, step.conditions, extra));
      return step.settled ? { requeueAfter: steadyCheck(cluster, now) } : poll;
    }

    const extra: Partial<MachineStatus> = { addresses: observed.addresses };
    if (observed.providerID) extra.providerID = observed.providerID;
    if (observed.state === 'Failed') {
      const message = observed.message ?? observed.reason;
      const status = withConditions(
        machine,
        now,
        'Failed',
        [
          falseCondition(Conditions.InfrastructureReady, observed.reason, message),
          bootstrapReady,
          falseCondition(Conditions.Ready, observed.reason, message),
        ],
        { ...extra, ready: false, failureReason: observed.reason, failureMessage: message },
      );
      await saveStatus(machine, status);
      return { requeueAfter: steadyCheck(cluster, now) };
    }
    if (observed.state !== 'Running') {
      const message = observed.message ?? observed.reason;
      const status = withConditions(
        machine,
        now,
        'Provisioning',
        [
          falseCondition(Conditions.InfrastructureReady, observed.reason, message),
          bootstrapReady,
          falseCondition(Conditions.NodeReady, Reasons.WaitingForNode, 'the VM is not running yet'),
          falseCondition(Conditions.Ready, observed.reason, message),
        ],
        { ...extra, ready: false },
      );
      await saveStatus(machine, status);
      return poll;
    }

    // 4. The node in the child cluster.
    const infraReady = trueCondition(
      Conditions.InfrastructureReady,
      Reasons.AsExpected,
      observed.message ?? 'VM running',
    );
    const lookup = await findNode(ctx, cluster, machine, observed.providerID);
    const { phase, nodeCondition, nodeRef, forgetNode } = nodeStep(machine, observed, lookup);
    if (nodeRef) {
      extra.nodeRef = nodeRef;
      extra.nodeName = nodeRef.name;
    }
    const ready = nodeCondition.status === 'True';
    const status = withConditions(
      machine,
      now,
      phase,
      [
        infraReady,
        bootstrapReady,
        nodeCondition,
        ready
          ? trueCondition(
              Conditions.Ready,
              Reasons.AsExpected,
              `node ${nodeRef?.name ?? ''} is Ready`,
            )
          : falseCondition(Conditions.Ready, nodeCondition.reason, nodeCondition.message ?? ''),
      ],
      { ...extra, ready },
    );
    if (forgetNode) {
      delete status.nodeRef;
      delete status.nodeName;
    }
    await saveStatus(machine, status);
    return { requeueAfter: ready ? steadyCheck(cluster, now) : settings.pollIntervalMs };
  }

  async function reconcileDelete(
    ctx: ReconcileContext,
    machine: Machine,
    cluster: ClusterDeployment | undefined,
    now: Date,
  ): Promise<ReconcileResult> {
    if (!hasFinalizer(machine, machineFinalizer)) return {};
    const poll = { requeueAfter: settings.pollIntervalMs };
    const deleting = (reason: string, message: string) =>
      withConditions(
        machine,
        now,
        'Deleting',
        [falseCondition(Conditions.Ready, reason, message)],
        { ready: false },
      );
    // When the whole cluster goes, nobody needs its nodes drained.
    const clusterGoing = !cluster || isDeleting(cluster);
    const nodeName = machine.status?.nodeRef?.name ?? machine.status?.nodeName;

    // 1. Drain the node, for as long as the drain timeout allows.
    if (!clusterGoing && nodeName) {
      const deadline =
        Date.parse(machine.metadata.deletionTimestamp ?? now.toISOString()) +
        settings.drainTimeoutMs;
      const left = deadline - now.getTime();
      if (left > 0) {
        const client = await childClient(cluster);
        let remaining = 0;
        let problem: string | undefined;
        if (client) {
          try {
            const result = await client.drain(nodeName, {
              timeoutMs: Math.min(settings.drainStepMs, left),
              signal: ctx.signal,
            });
            remaining = result.remaining;
          } catch (err: unknown) {
            ctx.signal.throwIfAborted();
            // A node that is already gone has nothing left to drain.
            if (!isNodeNotFound(err)) problem = errorMessage(err);
          }
        }
        if (remaining > 0 || problem) {
          const message = problem
            ? `draining node ${nodeName}: ${problem}; gives up in ${Math.ceil(left / 1000)}s`
            : `draining node ${nodeName}: ${remaining} pods left; gives up in ${Math.ceil(left / 1000)}s`;
          await saveStatus(machine, deleting(Reasons.Draining, message));
          return poll;
        }
      } else {
        void events.record(
          machine,
          'Warning',
          'DrainTimedOut',
          `node ${nodeName} did not drain in time; deleting anyway`,
        );
      }
    }

    // 2. The VM, until the provider says nothing is left.
    const provider = await machineProvider(store, deps.infrastructure, machine);
    const credential = await machineCredential(store, machine, cluster);
    if (!provider.ok || !credential.ok) {
      const why = !provider.ok ? provider : !credential.ok ? credential : undefined;
      await saveStatus(
        machine,
        deleting(
          why?.reason ?? Reasons.ProviderError,
          `cannot delete the VM: ${why?.message ?? ''}`,
        ),
      );
      return poll;
    }
    const boot = (await readBootstrapData(store, machine)) ?? { userData: '', metaData: '' };
    const request = machineRequest(machine, credential.value, boot);
    let result;
    try {
      result = await provider.value.deleteMachine(request, ctx.signal);
    } catch (err: unknown) {
      ctx.signal.throwIfAborted();
      await saveStatus(machine, deleting(errorReason(err), errorMessage(err)));
      throw err;
    }
    if (!result.gone) {
      await saveStatus(machine, deleting(result.reason, result.message ?? 'deleting the VM'));
      return poll;
    }

    // 3. The Node object, so the cluster forgets it (K3s also drops the etcd member).
    if (!clusterGoing && nodeName) {
      const client = await childClient(cluster);
      try {
        if (client) {
          await withDeadline(ctx.signal, settings.childApiTimeoutMs, (signal) =>
            client.deleteNode(nodeName, signal),
          );
        }
      } catch {
        // The API does not answer: the node object stays behind as NotReady; nothing
        // of ours depends on it.
      }
    }

    // 4. Boot data, then the finalizer.
    await deleteIfExists(
      store,
      'Secret',
      machine.metadata.namespace ?? '',
      bootstrapSecretNameOf(machine),
    );
    await removeFinalizer(store, machine, machineFinalizer);
    void events.record(
      machine,
      'Normal',
      'MachineDeleted',
      `VM deleted${nodeName ? `, node ${nodeName} removed` : ''}`,
    );
    return {};
  }

  // A cluster's spec change (hibernate, wake) reaches its machines at once, not at their
  // next steady check. Only generation changes count: status writes, every few seconds
  // for a cluster on its way, would otherwise queue all its machines each time.
  const generations = new Map<string, number>();
  const source = deps.machines;
  const clusterSpecChanges = (cluster: AnyResource): string[] => {
    const uid = cluster.metadata.uid ?? '';
    const generation = cluster.metadata.generation ?? 0;
    const before = generations.get(uid);
    if (isDeleting(cluster)) {
      generations.delete(uid);
      return [];
    }
    generations.set(uid, generation);
    if (!source || before === undefined || before === generation) return [];
    return source.byOwner(uid).map(keyOf);
  };

  return {
    name: machineControllerName,
    forKind: 'Machine',
    // Passes end with a requeue while anything is pending; status is written only here.
    ignoreStatusUpdates: true,
    watches: [{ kind: 'ClusterDeployment', mapToKeys: clusterSpecChanges }],
    reconcile,
  };
}
