// The real thing, in one process, for end-to-end controller tests: the SQLite store and
// its garbage collector, the runtime manager with all seven controllers, the sim
// provider at zero latency, the K3s bootstrap provider, the simulated child API and the
// child-cluster client. Short poll intervals keep the tests fast; nothing sleeps.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { ClusterTemplate } from '../api/kinds/cluster-template.ts';
import type { Credential } from '../api/kinds/credential.ts';
import type { IPAddress } from '../api/kinds/ip-address.ts';
import type { Machine } from '../api/kinds/machine.ts';
import type { Project } from '../api/kinds/project.ts';
import type { Secret } from '../api/kinds/secret.ts';
import { ApiVersion, type AnyResource } from '../api/meta.ts';
import { kinds } from '../api/registry.ts';
import { createChildClusterClient } from '../childcluster/client.ts';
import { createBootstrapRegistry } from '../providers/bootstrap/registry.ts';
import { createInfrastructureRegistry } from '../providers/infrastructure/registry.ts';
import { openSimClusterRegistry } from '../providers/infrastructure/sim/child-api/registry.ts';
import {
  startSimChildApi,
  type SimChildApi,
} from '../providers/infrastructure/sim/child-api/server.ts';
import {
  openSimHypervisor,
  type SimHypervisor,
} from '../providers/infrastructure/sim/hypervisor.ts';
import { createSimProvider } from '../providers/infrastructure/sim/provider.ts';
import { GarbageCollector } from '../store/garbage-collector.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/types.ts';
import { withCachedReads } from './cached-reads.ts';
import { clusterDeploymentController } from './cluster-deployment/controller.ts';
import { clusterTemplateController } from './cluster-template.controller.ts';
import { credentialController } from './credential.controller.ts';
import { ChildClientCache, type ChildClusterClient } from './dependencies.ts';
import { createEndpointResolver } from './endpoint.ts';
import { IPAddressAllocator } from './ipam/allocator.ts';
import { ipPoolController } from './ipam/ip-pool.controller.ts';
import { lifetimeController } from './lifetime.controller.ts';
import { machineController } from './machine.controller.ts';
import { projectController } from './project.controller.ts';
import { Manager } from './runtime/manager.ts';
import { ValuesSchemaCompiler } from './values.ts';

export interface TestEnvironment {
  store: Store;
  hypervisor: SimHypervisor;
  childApi: SimChildApi;
  readonly manager: Manager;
  /** Stop the controllers and start new ones, with nothing kept in memory between them. */
  restartControllers(): Promise<void>;
  /** A client of a cluster's child API, from its stored kubeconfig. */
  childClient(namespace: string, cluster: string): Promise<ChildClusterClient>;
  close(): Promise<void>;
}

export interface TestEnvironmentOptions {
  /** Settings of the ClusterDeployment controller beyond the fast defaults. */
  nodeNotReadyTimeoutMs?: number;
  /** How long a machine being deleted waits for its node to drain (default 5 s). */
  drainTimeoutMs?: number;
  /** The lifetime controller's clock (default: the manager's). */
  clock?: () => Date;
}

export async function startTestEnvironment(
  options: TestEnvironmentOptions = {},
): Promise<TestEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-controllers-'));
  const store = await openSqliteStore({ dataDir });
  const gc = new GarbageCollector({ store, kinds, retryDelayMs: 20 });
  const registry = openSimClusterRegistry({ dataDir });
  const childApi = await startSimChildApi({ registry });
  const hypervisor = await openSimHypervisor({ dataDir, registry, profile: 'zero' });
  const infrastructure = createInfrastructureRegistry([createSimProvider(hypervisor)]);
  const bootstrap = createBootstrapRegistry();
  const endpointResolver = createEndpointResolver({
    sim: (cluster) => childApi.endpointFor(cluster.metadata.namespace ?? '', cluster.metadata.name),
  });
  const clients: ChildClusterClient[] = [];
  const childClients = (kubeconfig: string) => {
    const client = createChildClusterClient(kubeconfig, {
      requestTimeoutMs: 2_000,
      drainPollMs: 20,
    });
    clients.push(client);
    return client;
  };

  const childClientCache = new ChildClientCache(childClients);
  const startManager = async (): Promise<Manager> => {
    const manager = new Manager({
      store,
      resyncPeriodMs: 0,
      backoff: { baseMs: 10, maxMs: 500 },
      shutdownTimeoutMs: 200,
    });
    const events = manager.eventRecorder('controllers');
    const schemas = new ValuesSchemaCompiler();
    const fast = { pollIntervalMs: 25, steadyIntervalMs: 200 };
    const allocator = new IPAddressAllocator({ store });
    manager.register(
      clusterTemplateController({ store, infrastructure, bootstrap, events, schemas }),
    );
    manager.register(credentialController({ store, infrastructure, events, retryIntervalMs: 100 }));
    // As src/control-plane.ts: templates and credentials read from the informers' caches.
    const cachedReads = withCachedReads(store, {
      ClusterTemplate: manager.informer('ClusterTemplate'),
      Credential: manager.informer('Credential'),
    });
    manager.register(
      clusterDeploymentController({
        store: cachedReads,
        infrastructure,
        bootstrap,
        childClients,
        childClientCache,
        endpointResolver,
        events,
        schemas,
        machines: manager.informer<Machine>('Machine'),
        allocator,
        settings: {
          ...fast,
          blockedRetryMs: 100,
          nodeNotReadyTimeoutMs: options.nodeNotReadyTimeoutMs ?? 60_000,
        },
      }),
    );
    manager.register(
      machineController({
        store: cachedReads,
        infrastructure,
        bootstrap,
        childClients,
        childClientCache,
        endpointResolver,
        events,
        machines: manager.informer<Machine>('Machine'),
        allocator,
        settings: { ...fast, drainTimeoutMs: options.drainTimeoutMs ?? 5_000, drainStepMs: 1_000 },
      }),
    );
    manager.register(
      ipPoolController({
        store,
        events,
        ipAddresses: manager.informer<IPAddress>('IPAddress'),
        settings: { recheckMs: 100 },
      }),
    );
    const clusters = manager.informer<ClusterDeployment>('ClusterDeployment');
    manager.register(
      projectController({
        store: cachedReads,
        events,
        clusters,
        projects: manager.informer<Project>('Project'),
      }),
    );
    manager.register(
      lifetimeController({
        store: cachedReads,
        events,
        clusters,
        ...(options.clock ? { clock: options.clock } : {}),
      }),
    );
    await manager.start();
    return manager;
  };

  await gc.start();
  let manager = await startManager();

  return {
    store,
    hypervisor,
    childApi,
    get manager() {
      return manager;
    },
    async restartControllers() {
      await manager.stop();
      manager = await startManager();
    },
    async childClient(namespace, cluster) {
      const secret = await store.get<Secret>('Secret', namespace, `${cluster}-kubeconfig`);
      const kubeconfig = Buffer.from(secret.data?.['value'] ?? '', 'base64').toString('utf8');
      return childClients(kubeconfig);
    },
    async close() {
      await manager.stop();
      await gc.stop();
      for (const client of clients) await client.close().catch(() => undefined);
      await childApi.close();
      await hypervisor.close();
      registry.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll `check` until it returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function template(
  namespace: string,
  name: string,
  spec: Partial<ClusterTemplate['spec']> & { version?: string } = {},
): ClusterTemplate {
  const { version = 'v1.31.4+k3s1', ...rest } = spec;
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterTemplate',
    metadata: { name, namespace },
    spec: {
      provider: 'sim',
      distribution: { name: 'k3s', version },
      valuesSchema: {
        type: 'object',
        properties: {
          controlPlaneNumber: { type: 'integer', minimum: 1 },
          workersNumber: { type: 'integer', minimum: 0 },
          machine: {
            type: 'object',
            properties: { vcpu: { type: 'integer', minimum: 1 }, memoryMiB: { type: 'integer' } },
          },
        },
      },
      defaults: { controlPlaneNumber: 1, workersNumber: 1, machine: { vcpu: 2, memoryMiB: 2048 } },
      ...rest,
    },
  };
}

export function credential(namespace: string, name: string): Credential {
  return {
    apiVersion: ApiVersion,
    kind: 'Credential',
    metadata: { name, namespace },
    spec: { provider: 'sim' },
  };
}

export function cluster(
  namespace: string,
  name: string,
  spec: Partial<ClusterDeployment['spec']> = {},
): ClusterDeployment {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name, namespace },
    spec: { template: 't1', credential: 'sim', ...spec },
  };
}

/** Everything of `kind` in `namespace`. */
export async function listAll<T extends AnyResource>(
  store: Store,
  kind: string,
  namespace: string,
): Promise<T[]> {
  return (await store.list<T>(kind, { namespace })).items;
}
