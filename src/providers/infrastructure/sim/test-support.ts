// Helpers for the sim's own tests: a strict in-memory SimClusterRegistry (the real one
// lives in child-api/ and is wired by the interface only), cloud-init user-data built
// the way the reference describes K3s bootstrap, and a hypervisor in a temporary dir.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BootstrapData, MachineRequest } from '../types.ts';
import type { SimClusterInit, SimClusterRegistry, SimNode } from './child-cluster-types.ts';
import { ManualClock } from './clock.ts';
import { openSimHypervisor, type SimHypervisor, type SimHypervisorOptions } from './hypervisor.ts';
import { secureK3sToken } from './k3s-token.ts';

/**
 * A registry that keeps clusters in memory and throws on anything a careful caller
 * never does (a node of a missing cluster, removing what is not there), so tests catch
 * the hypervisor calling it carelessly.
 */
export class MemorySimClusterRegistry implements SimClusterRegistry {
  readonly clusters = new Map<string, { init: SimClusterInit; nodes: Map<string, SimNode> }>();
  /** Every mutating call, e.g. `upsertNode team-a/demo demo-cp-1`. */
  readonly calls: string[] = [];

  #cluster(id: string) {
    const cluster = this.clusters.get(id);
    if (!cluster) throw new Error(`cluster ${id} does not exist`);
    return cluster;
  }

  ensureCluster(init: SimClusterInit): Promise<void> {
    this.calls.push(`ensureCluster ${init.id}`);
    if (!this.clusters.has(init.id)) this.clusters.set(init.id, { init, nodes: new Map() });
    return Promise.resolve();
  }

  getCluster(id: string): SimClusterInit | undefined {
    return this.clusters.get(id)?.init;
  }

  upsertNode(clusterId: string, node: SimNode): Promise<void> {
    this.calls.push(`upsertNode ${clusterId} ${node.name} ready=${node.ready}`);
    this.#cluster(clusterId).nodes.set(node.name, structuredClone(node));
    return Promise.resolve();
  }

  setNodeReady(clusterId: string, nodeName: string, ready: boolean): Promise<void> {
    this.calls.push(`setNodeReady ${clusterId} ${nodeName} ${ready}`);
    const node = this.#cluster(clusterId).nodes.get(nodeName);
    if (!node) throw new Error(`node ${nodeName} does not exist in ${clusterId}`);
    node.ready = ready;
    return Promise.resolve();
  }

  removeNode(clusterId: string, nodeName: string): Promise<void> {
    this.calls.push(`removeNode ${clusterId} ${nodeName}`);
    if (!this.#cluster(clusterId).nodes.delete(nodeName)) {
      throw new Error(`node ${nodeName} does not exist in ${clusterId}`);
    }
    return Promise.resolve();
  }

  listNodes(clusterId: string): SimNode[] {
    return [...(this.clusters.get(clusterId)?.nodes.values() ?? [])].map((n) => structuredClone(n));
  }

  removeCluster(clusterId: string): Promise<void> {
    this.calls.push(`removeCluster ${clusterId}`);
    this.#cluster(clusterId);
    this.clusters.delete(clusterId);
    return Promise.resolve();
  }

  node(clusterId: string, name: string): SimNode | undefined {
    return this.clusters.get(clusterId)?.nodes.get(name);
  }
}

/** PEM-shaped stand-ins for a cluster's CAs: the sim hashes them but never parses them. */
export interface TestPki {
  serverCert: string;
  serverKey: string;
  clientCert: string;
}

function pem(label: string): string {
  const body = randomBytes(300).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function testPki(): TestPki {
  return {
    serverCert: pem('CERTIFICATE'),
    serverKey: pem('EC PRIVATE KEY'),
    clientCert: pem('CERTIFICATE'),
  };
}

/** A cluster's join material: its PKI, token password and secure token. */
export function testClusterSecrets(password = randomBytes(16).toString('hex')) {
  const pki = testPki();
  return { pki, password, token: secureK3sToken(pki.serverCert, password) };
}

export interface TestK3sNode {
  hostname: string;
  role: 'server' | 'agent';
  version?: string;
  token: string;
  /** Absent on the first server. */
  serverUrl?: string;
  /** cluster-init on a first server (default true when there is no serverUrl). */
  clusterInit?: boolean;
  /** The CA files, written (b64) on a first server. */
  pki?: TestPki;
  tlsSan?: string[];
  nodeLabels?: string[];
  nodeTaints?: string[];
}

const tls = '/var/lib/rancher/k3s/server/tls';

/** `#cloud-config` user-data like the K3s bootstrap provider renders (reference doc). */
export function k3sUserData(node: TestK3sNode): string {
  const config: Record<string, unknown> = { token: node.token };
  if (node.serverUrl) config['server'] = node.serverUrl;
  else if (node.role === 'server' && node.clusterInit !== false) config['cluster-init'] = true;
  if (node.tlsSan) config['tls-san'] = node.tlsSan;
  if (node.nodeLabels) config['node-label'] = node.nodeLabels;
  if (node.nodeTaints) config['node-taint'] = node.nodeTaints;
  const files: Record<string, unknown>[] = [
    { path: '/etc/rancher/k3s/config.yaml', permissions: '0600', content: stringify(config) },
  ];
  if (node.pki) {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    files.push(
      { path: `${tls}/server-ca.crt`, encoding: 'b64', content: b64(node.pki.serverCert) },
      { path: `${tls}/server-ca.key`, encoding: 'b64', content: b64(node.pki.serverKey) },
      { path: `${tls}/client-ca.crt`, encoding: 'b64', content: b64(node.pki.clientCert) },
    );
  }
  const version = node.version ?? 'v1.31.4+k3s1';
  const doc = {
    hostname: node.hostname,
    write_files: files,
    runcmd: [`curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${version} sh -s - ${node.role}`],
  };
  return `#cloud-config\n${stringify(doc)}`;
}

export function bootstrapOf(userData: string, hostname: string): BootstrapData {
  return { userData, metaData: `instance-id: ${hostname}\nlocal-hostname: ${hostname}\n` };
}

export function machineRequest(
  machineName: string,
  bootstrap: BootstrapData,
  extra: Partial<MachineRequest> = {},
): MachineRequest {
  return {
    namespace: 'team-a',
    clusterName: 'demo',
    machineName,
    machineUID: `uid-${machineName}`,
    role: 'control-plane',
    settings: {},
    credential: { ref: 'slipway-system/sim', config: {}, secret: {} },
    bootstrap,
    ...extra,
  };
}

export interface TestSim {
  dataDir: string;
  clock: ManualClock;
  registry: MemorySimClusterRegistry;
  hypervisor: SimHypervisor;
  /** Close and open the hypervisor again on the same data directory (a restart). */
  reopen(options?: Partial<SimHypervisorOptions>): Promise<SimHypervisor>;
  cleanup(): Promise<void>;
}

/** A hypervisor on a temporary data directory, a manual clock and a memory registry. */
export async function openTestSim(options: Partial<SimHypervisorOptions> = {}): Promise<TestSim> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-sim-'));
  const clock = new ManualClock();
  const registry = new MemorySimClusterRegistry();
  const base = { dataDir, clock, registry, profile: 'zero' as const, random: () => 0.5 };
  const sim: TestSim = {
    dataDir,
    clock,
    registry,
    hypervisor: await openSimHypervisor({ ...base, ...options }),
    async reopen(again = {}) {
      await sim.hypervisor.close();
      sim.hypervisor = await openSimHypervisor({ ...base, ...options, ...again });
      return sim.hypervisor;
    },
    async cleanup() {
      await sim.hypervisor.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return sim;
}
