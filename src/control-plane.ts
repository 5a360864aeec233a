// The controllers and the providers they drive, wired together: the half of the
// composition root that runs clusters (src/server.ts adds the API server on top, and
// the controller tests start exactly this). Nothing here runs at import time.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterDeployment } from './api/kinds/cluster-deployment.ts';
import type { IPAddress } from './api/kinds/ip-address.ts';
import type { Machine } from './api/kinds/machine.ts';
import type { Project } from './api/kinds/project.ts';
import { createChildClusterClient } from './childcluster/client.ts';
import { withCachedReads } from './controllers/cached-reads.ts';
import { clusterDeploymentController } from './controllers/cluster-deployment/controller.ts';
import type { ClusterDeploymentSettings } from './controllers/cluster-deployment/settings.ts';
import { clusterTemplateController } from './controllers/cluster-template.controller.ts';
import { credentialController } from './controllers/credential.controller.ts';
import { ChildClientCache, type ChildClusterClient } from './controllers/dependencies.ts';
import { createEndpointResolver } from './controllers/endpoint.ts';
import { IPAddressAllocator } from './controllers/ipam/allocator.ts';
import { ipPoolController } from './controllers/ipam/ip-pool.controller.ts';
import { lifetimeController } from './controllers/lifetime.controller.ts';
import { machineController, type MachineSettings } from './controllers/machine.controller.ts';
import { projectController } from './controllers/project.controller.ts';
import type { LeaderElector } from './controllers/runtime/leader.ts';
import { Manager, type ManagerOptions } from './controllers/runtime/manager.ts';
import { ValuesSchemaCompiler } from './controllers/values.ts';
import type { Metrics } from './metrics/registry.ts';
import { createBootstrapRegistry } from './providers/bootstrap/registry.ts';
import { createProxmoxProvider } from './providers/infrastructure/proxmox/index.ts';
import { createInfrastructureRegistry } from './providers/infrastructure/registry.ts';
import {
  openSimClusterRegistry,
  type PersistentSimClusterRegistry,
} from './providers/infrastructure/sim/child-api/registry.ts';
import {
  startSimChildApi,
  type SimChildApi,
} from './providers/infrastructure/sim/child-api/server.ts';
import {
  openSimHypervisor,
  type SimHypervisor,
} from './providers/infrastructure/sim/hypervisor.ts';
import type { LatencyProfileName } from './providers/infrastructure/sim/latency.ts';
import { createSimProvider } from './providers/infrastructure/sim/provider.ts';
import type { Store } from './store/types.ts';

export interface ControlPlaneOptions {
  store: Store;
  dataDir: string;
  logger?: Logger;
  metrics?: Metrics;
  leaderElector?: LeaderElector;
  /** Latency of the simulated hypervisor: `zero` (tests), `fast` (demo), `default`. */
  simLatency?: LatencyProfileName;
  /** Port of the simulated child clusters' API on 127.0.0.1 (0: any free port). */
  simApiPort?: number;
  manager?: Partial<Pick<ManagerOptions, 'resyncPeriodMs' | 'backoff' | 'defaultConcurrency'>>;
  clusterSettings?: Partial<ClusterDeploymentSettings>;
  machineSettings?: Partial<MachineSettings>;
  /** Child-API client options (short timeouts in tests). */
  childClient?: { requestTimeoutMs?: number; drainPollMs?: number };
}

export interface ControlPlane {
  manager: Manager;
  hypervisor: SimHypervisor;
  childApi: SimChildApi;
  /** A child-cluster client from a kubeconfig, closed with the control plane. */
  childClient(kubeconfig: string): ChildClusterClient;
  /** Settles once this process leads (holds the data-dir lock) and the caches are filled. */
  started: Promise<void>;
  close(): Promise<void>;
}

/**
 * The simulated clusters' kubeconfigs and boot data name the child API's address, as a
 * real cluster's name its VIP: keep the port across restarts (remembered in the data
 * directory) so clusters created before a restart stay reachable.
 */
async function startSimChildApiOnStablePort(
  registry: PersistentSimClusterRegistry,
  dataDir: string,
  requestedPort: number | undefined,
): Promise<SimChildApi> {
  const portFile = join(dataDir, 'sim', 'child-api.port');
  const remembered = Number((await readFile(portFile, 'utf8').catch(() => '')).trim());
  const port = requestedPort ?? (Number.isInteger(remembered) && remembered > 0 ? remembered : 0);
  const childApi = await startSimChildApi({ registry, port });
  if (childApi.port !== remembered) {
    await mkdir(dirname(portFile), { recursive: true });
    await writeFile(portFile, `${childApi.port}\n`);
  }
  return childApi;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const { store, dataDir, logger } = opts;
  const simRegistry = openSimClusterRegistry({ dataDir });
  const childApi = await startSimChildApiOnStablePort(simRegistry, dataDir, opts.simApiPort);
  const hypervisor = await openSimHypervisor({
    dataDir,
    registry: simRegistry,
    profile: opts.simLatency ?? 'fast',
    ...(logger ? { onError: (err: unknown) => logger.warn({ err }, 'simulated hypervisor') } : {}),
  });
  const proxmox = createProxmoxProvider();
  const infrastructure = createInfrastructureRegistry([createSimProvider(hypervisor), proxmox]);
  const bootstrap = createBootstrapRegistry();
  const endpointResolver = createEndpointResolver({
    sim: (cluster) => childApi.endpointFor(cluster.metadata.namespace ?? '', cluster.metadata.name),
  });
  const clients = new Set<ChildClusterClient>();
  const childClient = (kubeconfig: string): ChildClusterClient => {
    const client = createChildClusterClient(kubeconfig, opts.childClient ?? {});
    clients.add(client);
    const close = client.close.bind(client);
    client.close = async () => {
      clients.delete(client);
      await close();
    };
    return client;
  };

  const manager = new Manager({
    store,
    ...(logger ? { logger: logger.child({ component: 'controllers' }) } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.leaderElector ? { leaderElector: opts.leaderElector } : {}),
    ...opts.manager,
  });
  const events = manager.eventRecorder('slipway-controllers');
  const schemas = new ValuesSchemaCompiler();
  // One client (one pooled TLS connection) per cluster, shared by both controllers.
  const childClientCache = new ChildClientCache(childClient);
  const machines = manager.informer<Machine>('Machine');
  // One allocator, so claims for the same pool from both controllers share writes.
  const allocator = new IPAddressAllocator({ store });
  const common = { store, infrastructure, bootstrap, events };
  manager.register(clusterTemplateController({ ...common, schemas }));
  manager.register(credentialController(common));
  // Templates and credentials come from the informers the two controllers above keep.
  const cachedReads = withCachedReads(store, {
    ClusterTemplate: manager.informer('ClusterTemplate'),
    Credential: manager.informer('Credential'),
  });
  manager.register(
    clusterDeploymentController({
      ...common,
      store: cachedReads,
      childClients: childClient,
      childClientCache,
      endpointResolver,
      schemas,
      machines,
      allocator,
      ...(opts.clusterSettings ? { settings: opts.clusterSettings } : {}),
    }),
  );
  manager.register(
    machineController({
      ...common,
      store: cachedReads,
      childClients: childClient,
      childClientCache,
      endpointResolver,
      machines,
      allocator,
      ...(opts.machineSettings ? { settings: opts.machineSettings } : {}),
    }),
  );
  manager.register(
    ipPoolController({ store, events, ipAddresses: manager.informer<IPAddress>('IPAddress') }),
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
  manager.register(lifetimeController({ store: cachedReads, events, clusters }));
  // Controllers run only where the leader lock is held; the API serves regardless, so
  // starting is not awaited here.
  const started = manager.start();
  started.catch((err: unknown) => logger?.error({ err }, 'controllers failed to start'));

  return {
    started,
    manager,
    hypervisor,
    childApi,
    childClient,
    async close() {
      await manager.stop();
      await proxmox.close();
      for (const client of [...clients]) await client.close().catch(() => undefined);
      await childApi.close();
      await hypervisor.close();
      simRegistry.close();
    },
  };
}
