// The ClusterDeployment controller: turns a cluster someone wants into Machines, keeps
// their number and version as asked, and takes everything down on delete. Each pass
// runs a fixed list of steps against what it observes now (store, child API) and saves
// status once at the end.
import { isDeepStrictEqual } from 'node:util';
import {
  ClusterDeploymentConditions as Conditions,
  ClusterDeploymentReasons as Reasons,
  type ClusterDeployment,
} from '../../api/kinds/cluster-deployment.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import { isSlipwayError, StatusReason } from '../../api/errors.ts';
import type { ClusterEndpoint } from '../../providers/bootstrap/types.ts';
import type { Store } from '../../store/types.ts';
import { falseCondition, findCondition, type ConditionInput } from '../conditions.ts';
import {
  ChildClientCache,
  type BootstrapProviders,
  type ChildClusterClient,
  type ChildClusterClientFactory,
  type EndpointResolver,
  type Events,
  type InfrastructureProviders,
} from '../dependencies.ts';
import {
  deleteIfExists,
  ensureFinalizer,
  getIfExists,
  hasFinalizer,
  isDeleting,
  parseKey,
  removeFinalizer,
} from '../objects.ts';
import { ReferenceIndex } from '../reference-index.ts';
import { withDeadline } from '../runtime/deadline.ts';
import type { ControllerOptions } from '../runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from '../runtime/types.ts';
import { untilSteadyCheck } from '../steady-check.ts';
import { ValuesSchemaCompiler } from '../values.ts';
import { IPAddressAllocator } from '../ipam/allocator.ts';
import type { ClusterAddressing } from '../ipam/cluster-network.ts';
import { firstControlPlaneHost } from '../ipam/machine-network.ts';
import { listClusterMachines, machineView, newMachine, type MachineSource } from './machines.ts';
import { hibernatedStatus } from './hibernation.ts';
import { kubeconfigSecretName, newMachineNames } from './names.ts';
import { clusterNetworkStep } from './network.ts';
import { planCluster, type Plan, type PlannedDelete } from './plan.ts';
import { preflight, type Ready } from './preflight.ts';
import { defaultClusterDeploymentSettings, type ClusterDeploymentSettings } from './settings.ts';
import { deleteClusterSecrets, ensureClusterSecrets, ensureKubeconfig } from './secrets.ts';
import { blockedStatus, deletingStatus, observedStatus, type ClusterStatus } from './status.ts';
import { availableUpgrades, upgradeProblem } from './upgrades.ts';

export const clusterDeploymentFinalizer = 'slipway.dev/cluster-deployment';
export const clusterDeploymentControllerName = 'clusterdeployment';

export interface ClusterDeploymentControllerDeps {
  store: Store;
  infrastructure: InfrastructureProviders;
  bootstrap: BootstrapProviders;
  /** A client for a child cluster from its admin kubeconfig. */
  childClients: ChildClusterClientFactory;
  /** Clients shared with the Machine controller; one of its own when not given. */
  childClientCache?: ChildClientCache;
  endpointResolver: EndpointResolver;
  events: Events;
  /** The runtime's Machine informer (`manager.informer('Machine')`); else the store is listed. */
  machines?: MachineSource;
  /** Claims control-plane VIPs; shared with the Machine controller. One of its own when not given. */
  allocator?: IPAddressAllocator;
  /** Shared with the ClusterTemplate controller so each schema compiles once. */
  schemas?: ValuesSchemaCompiler;
  settings?: Partial<ClusterDeploymentSettings>;
  /** Overrides the reconcile context's clock. */
  clock?: () => Date;
}

export function clusterDeploymentController(
  deps: ClusterDeploymentControllerDeps,
): ControllerOptions {
  const settings: ClusterDeploymentSettings = {
    ...defaultClusterDeploymentSettings,
    ...deps.settings,
  };
  const schemas = deps.schemas ?? new ValuesSchemaCompiler();
  const templates = new ReferenceIndex();
  const credentials = new ReferenceIndex();
  const clients = deps.childClientCache ?? new ChildClientCache(deps.childClients);
  const { store, events } = deps;
  const allocator = deps.allocator ?? new IPAddressAllocator({ store });

  function clientFor(cluster: ClusterDeployment, kubeconfig: string): ChildClusterClient {
    return clients.get(cluster.metadata.uid ?? '', kubeconfig);
  }

  async function apiAnswers(ctx: ReconcileContext, client: ChildClusterClient): Promise<boolean> {
    try {
      const ready = await withDeadline(ctx.signal, settings.apiProbeTimeoutMs, (signal) =>
        client.ready(signal),
      );
      return ready.ok;
    } catch {
      return false;
    }
  }

  async function saveStatus(cluster: ClusterDeployment, status: ClusterStatus): Promise<void> {
    if (isDeepStrictEqual(status, cluster.status)) return;
    await store.updateStatus<ClusterDeployment>({ ...cluster, status });
    recordTransitions(cluster, status);
  }

  function recordTransitions(cluster: ClusterDeployment, status: ClusterStatus): void {
    const before = findCondition(cluster.status?.conditions, Conditions.Ready);
    const after = findCondition(status.conditions, Conditions.Ready);
    if (after?.status === 'True' && before?.status !== 'True') {
      void events.record(
        cluster,
        'Normal',
        'ClusterReady',
        `cluster is Ready: ${status.readyNodes ?? ''} nodes`,
      );
    }
    if (status.phase !== cluster.status?.phase) {
      if (status.phase === 'Hibernated') {
        void events.record(
          cluster,
          'Normal',
          Reasons.Hibernated,
          'hibernating: stopping every VM of the cluster (spec.hibernated: true)',
        );
      } else if (cluster.status?.phase === 'Hibernated' && status.phase !== 'Deleting') {
        void events.record(
          cluster,
          'Normal',
          'WakingUp',
          'waking up: starting every VM of the cluster (spec.hibernated: false)',
        );
      }
      if (status.phase === 'Failed') {
        void events.record(
          cluster,
          'Warning',
          after?.reason ?? 'Failed',
          after?.message ?? 'cluster failed',
        );
      } else if (status.phase === 'Upgrading') {
        void events.record(
          cluster,
          'Normal',
          Reasons.Upgrading,
          `upgrading to template ${cluster.spec.template}`,
        );
      } else if (status.phase === 'Degraded') {
        void events.record(cluster, 'Warning', 'Degraded', after?.message ?? 'cluster is degraded');
      }
    }
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const found = await getIfExists<ClusterDeployment>(store, 'ClusterDeployment', namespace, name);
    if (!found) {
      templates.forget(key);
      credentials.forget(key);
      return {};
    }
    const now = deps.clock?.() ?? ctx.now();
    if (isDeleting(found)) return reconcileDelete(found, now);
    if (found.spec.paused) return {};
    templates.set(key, found.spec.template);
    credentials.set(key, found.spec.credential);
    const cluster = await ensureFinalizer(store, found, clusterDeploymentFinalizer);
    return reconcileNormal(ctx, cluster, now);
  }

  async function reconcileNormal(
    ctx: ReconcileContext,
    cluster: ClusterDeployment,
    now: Date,
  ): Promise<ReconcileResult> {
    const namespace = cluster.metadata.namespace ?? '';
    const machines = await listClusterMachines(store, cluster, deps.machines);
    const hasMachines = machines.length > 0;

    // 1. Template, credential and values.
    const pre = await preflight(
      { store, infrastructure: deps.infrastructure, bootstrap: deps.bootstrap, schemas },
      cluster,
    );
    if (!pre.ok) {
      await saveStatus(cluster, blockedStatus({ cluster, now, ...pre, hasMachines }));
      return { requeueAfter: pre.waiting ? settings.pollIntervalMs : settings.blockedRetryMs };
    }

    // 1b. Hibernated: the Machine controller stops every VM; nothing is created, deleted,
    // replaced or rolled out here until the cluster wakes.
    if (cluster.spec.hibernated === true) {
      const { status, asleep } = hibernatedStatus({
        cluster,
        now,
        preflight: pre.conditions,
        machines,
        wanted: pre.shape.controlPlanes + pre.shape.workers,
      });
      await saveStatus(cluster, status);
      const steady = untilSteadyCheck(
        settings.steadyIntervalMs,
        cluster.metadata.uid ?? '',
        now.getTime(),
      );
      return { requeueAfter: asleep ? steady : settings.pollIntervalMs };
    }

    // 2. The template switch, if any, follows the chain.
    const inUse = new Set(machines.filter((m) => !isDeleting(m)).map((m) => m.spec.template ?? ''));
    inUse.delete('');
    const problem = await upgradeProblem({ store, namespace, from: inUse, target: pre.template });
    if (problem) {
      const blocker = falseCondition(
        Conditions.TemplateReady,
        Reasons.UpgradeFailed,
        `spec.template: ${problem}`,
      );
      const conditions = [
        ...pre.conditions.filter((c) => c.type !== Conditions.TemplateReady),
        blocker,
      ];
      await saveStatus(
        cluster,
        blockedStatus({ cluster, now, conditions, blocker, waiting: false, hasMachines }),
      );
      return { requeueAfter: settings.blockedRetryMs };
    }

    // 3. Cluster secrets, endpoint and kubeconfig.
    let blocker: ConditionInput | undefined;
    const secrets = await ensureClusterSecrets({
      store,
      cluster,
      provider: pre.bootstrap,
      hasMachines,
    });
    if (secrets.ok && secrets.created) {
      void events.record(
        cluster,
        'Normal',
        'SecretsGenerated',
        'generated the cluster PKI and join token',
      );
    }
    let endpoint: ClusterEndpoint | undefined;
    let kubeconfig: string | undefined;
    let addressing: ClusterAddressing | undefined;
    if (!secrets.ok) {
      blocker = falseCondition(
        Conditions.InfrastructureReady,
        Reasons.ClusterSecretsConflict,
        secrets.message,
      );
    } else {
      const network = await clusterNetworkStep({
        store,
        allocator,
        cluster,
        controlPlanes: pre.shape.controlPlanes,
        hasMachines,
      });
      if (network.ok) {
        addressing = network.addressing;
        endpoint = await resolveEndpoint(
          pre.template.spec.provider,
          cluster,
          machines,
          network.vip,
        );
      } else {
        blocker = network.blocker;
      }
      if (endpoint) {
        const ensured = await ensureKubeconfig({
          store,
          cluster,
          provider: pre.bootstrap,
          secrets: secrets.secrets,
          endpoint,
        });
        kubeconfig = ensured.kubeconfig;
      }
    }

    // 4. Does the child API answer?
    const hasControlPlane = machines.some((m) => m.spec.role === 'control-plane' && !isDeleting(m));
    const apiAvailable =
      kubeconfig !== undefined &&
      hasControlPlane &&
      (await apiAnswers(ctx, clientFor(cluster, kubeconfig)));

    // 5. Plan and act: create and delete machines.
    const views = machines.map(machineView);
    const plan = planCluster({
      want: {
        controlPlanes: pre.shape.controlPlanes,
        workers: pre.shape.workers,
        template: pre.template.metadata.name,
        version: pre.template.spec.distribution.version,
        rollout: pre.shape.rollout,
      },
      machines: views,
      apiAvailable,
      health: settings,
      now,
    });
    if (!blocker) {
      await createMachines(cluster, pre, machines, plan, addressing?.machines);
      await deleteMachines(cluster, plan.deletes, plan);
    }

    // 6. Status, saved once.
    const status = observedStatus({
      cluster,
      now,
      preflight: pre.conditions,
      want: {
        controlPlanes: pre.shape.controlPlanes,
        workers: pre.shape.workers,
        version: pre.template.spec.distribution.version,
      },
      machines,
      views,
      plan,
      apiAvailable,
      endpoint,
      kubeconfigSecret:
        kubeconfig !== undefined ? kubeconfigSecretName(cluster.metadata.name) : undefined,
      availableUpgrades: await availableUpgrades(store, namespace, pre.template),
      blocker,
    });
    await saveStatus(cluster, status);
    const settled =
      status.phase === 'Ready' && plan.creates.length === 0 && plan.deletes.length === 0;
    // A settled cluster is looked at again at its own tick, with its machines.
    const steady = untilSteadyCheck(
      settings.steadyIntervalMs,
      cluster.metadata.uid ?? '',
      now.getTime(),
    );
    return { requeueAfter: settled ? steady : settings.pollIntervalMs };
  }

  /** The VIP, else (only when needed: it costs reads) the first control plane's address. */
  async function resolveEndpoint(
    provider: string,
    cluster: ClusterDeployment,
    machines: readonly Machine[],
    vip: string | undefined,
  ): Promise<ClusterEndpoint | undefined> {
    const hints = vip !== undefined ? { vip } : {};
    const endpoint = deps.endpointResolver(provider, cluster, hints);
    if (endpoint) return endpoint;
    const first = await firstControlPlaneHost(store, machines);
    return first !== undefined
      ? deps.endpointResolver(provider, cluster, { ...hints, firstControlPlaneAddress: first })
      : undefined;
  }

  async function createMachines(
    cluster: ClusterDeployment,
    pre: Ready,
    machines: readonly Machine[],
    plan: Plan,
    network: Machine['spec']['network'],
  ): Promise<void> {
    if (plan.creates.length === 0) return;
    const taken = new Set(machines.map((m) => m.metadata.name));
    const credentialRef = `${pre.credential.metadata.namespace ?? ''}/${pre.credential.metadata.name}`;
    for (const create of plan.creates) {
      const [name] = newMachineNames({
        cluster: cluster.metadata.name,
        clusterUID: cluster.metadata.uid ?? '',
        role: create.role,
        count: 1,
        taken,
      });
      if (!name) continue;
      taken.add(name);
      const machine = newMachine({
        cluster,
        name,
        role: create.role,
        initialize: create.initialize,
        template: pre.template,
        settings: pre.shape.machine,
        credentialRef,
        ...(network ? { network } : {}),
      });
      try {
        await store.create(machine);
      } catch (err: unknown) {
        // Made by an earlier pass this one did not see yet (the informer lags a write).
        if (isSlipwayError(err, StatusReason.AlreadyExists)) continue;
        throw err;
      }
      const what = create.initialize
        ? 'initializes the cluster'
        : create.reason === 'Upgrade'
          ? `upgrade to ${pre.template.spec.distribution.version}`
          : create.role === 'control-plane'
            ? 'joins the control plane'
            : 'scale up';
      void events.record(
        cluster,
        'Normal',
        'MachineCreated',
        `created ${create.role} machine ${name} (${what})`,
      );
    }
  }

  async function deleteMachines(
    cluster: ClusterDeployment,
    deletes: readonly PlannedDelete[],
    plan: Plan,
  ): Promise<void> {
    const namespace = cluster.metadata.namespace ?? '';
    for (const victim of deletes) {
      await deleteIfExists(store, 'Machine', namespace, victim.name);
      const why =
        victim.reason === 'Remediation'
          ? (plan.remediation ?? 'remediation')
          : victim.reason === 'Upgrade'
            ? 'replaced by an upgraded machine'
            : 'scale down';
      void events.record(
        cluster,
        victim.reason === 'Remediation' ? 'Warning' : 'Normal',
        'MachineDeleting',
        `deleting ${victim.role} machine ${victim.name}: ${why}`,
      );
    }
  }

  async function reconcileDelete(cluster: ClusterDeployment, now: Date): Promise<ReconcileResult> {
    const key = `${cluster.metadata.namespace ?? ''}/${cluster.metadata.name}`;
    templates.forget(key);
    credentials.forget(key);
    clients.forget(cluster.metadata.uid ?? '');
    if (!hasFinalizer(cluster, clusterDeploymentFinalizer)) return {};
    const namespace = cluster.metadata.namespace ?? '';
    // Workers first, then control planes; each Machine goes once its VM is gone.
    let machines = await listClusterMachines(store, cluster, deps.machines);
    if (machines.length === 0) {
      // The informer may lag: make sure with the store before letting go.
      machines = await listClusterMachines(store, cluster, undefined);
    }
    const workers = machines.filter((m) => m.spec.role === 'worker');
    const cps = machines.filter((m) => m.spec.role === 'control-plane');
    const stage = workers.length > 0 ? workers : cps;
    if (stage.length === 0) {
      await deleteClusterSecrets(store, cluster);
      await removeFinalizer(store, cluster, clusterDeploymentFinalizer);
      void events.record(cluster, 'Normal', 'Deleted', 'all machines and secrets are gone');
      return {};
    }
    for (const m of stage) {
      if (!isDeleting(m)) await deleteIfExists(store, 'Machine', namespace, m.metadata.name);
    }
    const role = stage === workers ? 'worker' : 'control-plane';
    const message = `waiting for ${stage.length} ${role} machine${stage.length === 1 ? '' : 's'} to be deleted (${stage.map((m) => m.metadata.name).join(', ')})`;
    await saveStatus(cluster, deletingStatus(cluster, now, message));
    return { requeueAfter: settings.pollIntervalMs };
  }

  return {
    name: clusterDeploymentControllerName,
    forKind: 'ClusterDeployment',
    owns: ['Machine'],
    // Every pass ends with a requeue; its own status writes need not queue another.
    ignoreStatusUpdates: true,
    watches: [
      {
        kind: 'ClusterTemplate',
        mapToKeys: (t) => templates.lookup(t.metadata.namespace, t.metadata.name),
      },
      {
        kind: 'Credential',
        mapToKeys: (c) => credentials.lookup(c.metadata.namespace, c.metadata.name),
      },
    ],
    reconcile,
  };
}
