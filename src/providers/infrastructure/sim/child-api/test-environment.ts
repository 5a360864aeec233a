// Test support: a registry and API server in a temporary data directory, and simulated
// clusters with nodes and an admin kubeconfig, for the API and child-cluster client tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simClusterId } from './names.ts';
import { openSimClusterRegistry, type PersistentSimClusterRegistry } from './registry.ts';
import { startSimChildApi, type SimChildApi } from './server.ts';
import {
  makeTestClusterPki,
  renderTestKubeconfig,
  testNode,
  type TestClusterPki,
} from './test-pki.ts';

export interface TestCluster {
  id: string;
  namespace: string;
  name: string;
  pki: TestClusterPki;
  /** Admin kubeconfig: server with the path prefix, tls-server-name, server CA, admin cert. */
  kubeconfig: string;
  nodeNames: string[];
}

export interface TestEnvironment {
  dataDir: string;
  registry: PersistentSimClusterRegistry;
  api: SimChildApi;
  addCluster(namespace: string, name: string, options?: { workers?: number }): Promise<TestCluster>;
  kubeconfigFor(cluster: TestCluster): string;
  /** Close the server and registry and open both again on the same data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestEnvironment(): Promise<TestEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-sim-api-'));
  let registry = openSimClusterRegistry({ dataDir });
  let api = await startSimChildApi({ registry });
  const env: TestEnvironment = {
    dataDir,
    get registry() {
      return registry;
    },
    get api() {
      return api;
    },
    kubeconfigFor(cluster) {
      const endpoint = api.endpointFor(cluster.namespace, cluster.name);
      return renderTestKubeconfig({
        name: cluster.name,
        server: `${api.url}${endpoint.pathPrefix}`,
        tlsServerName: endpoint.tlsServerName,
        caCert: cluster.pki.serverCA.cert,
        client: cluster.pki.admin,
      });
    },
    async addCluster(namespace, name, options = {}) {
      const pki = await makeTestClusterPki(namespace, name);
      const id = simClusterId(namespace, name);
      await registry.ensureCluster(pki.init);
      const nodeNames = [`${name}-cp-1`];
      await registry.upsertNode(
        id,
        testNode(`${name}-cp-1`, 'control-plane', {
          providerID: `sim://${namespace}/${name}-cp-1`,
        }),
      );
      for (let i = 1; i <= (options.workers ?? 1); i++) {
        const node = `${name}-worker-${i}`;
        nodeNames.push(node);
        await registry.upsertNode(
          id,
          testNode(node, 'worker', {
            internalIP: `10.0.0.${20 + i}`,
            providerID: `sim://${namespace}/${node}`,
          }),
        );
      }
      const cluster: TestCluster = { id, namespace, name, pki, kubeconfig: '', nodeNames };
      cluster.kubeconfig = env.kubeconfigFor(cluster);
      return cluster;
    },
    async restart() {
      const port = api.port;
      await api.close();
      registry.close();
      registry = openSimClusterRegistry({ dataDir });
      api = await startSimChildApi({ registry, port });
    },
    async close() {
      await api.close();
      registry.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return env;
}
