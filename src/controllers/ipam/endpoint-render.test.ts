// Boot data for a provider that is not sim (where the endpoint is not the simulated
// child API): static addresses make the first server's address, and so every machine's
// boot data, known before anything boots; a VIP is the endpoint when there is one; with
// DHCP the first server renders without an endpoint and the others wait for its address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { ClusterTemplate } from '../../api/kinds/cluster-template.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import { ApiVersion } from '../../api/meta.ts';
import { kubeVipManifestPath } from '../../providers/bootstrap/k3s/kube-vip.ts';
import { readK3sUserData } from '../../providers/bootstrap/k3s/read-user-data.ts';
import { createBootstrapRegistry } from '../../providers/bootstrap/registry.ts';
import type { InfrastructureProvider } from '../../providers/infrastructure/types.ts';
import { ensureClusterSecrets } from '../cluster-deployment/secrets.ts';
import { newMachine } from '../cluster-deployment/machines.ts';
import { createEndpointResolver } from '../endpoint.ts';
import { ensureBootstrapData } from '../machine-context.ts';
import { IPAddressAllocator } from './allocator.ts';
import { ensureControlPlaneVIP } from './vip.ts';
import { clusterAddressing } from './cluster-network.ts';
import { firstControlPlaneHost, machineNetwork } from './machine-network.ts';
import { openTestStore, pool, type IPAMTestStore } from './test-support.ts';

const bootstrap = createBootstrapRegistry();
const proxmox = { name: 'proxmox' } as InfrastructureProvider;
const endpointResolver = createEndpointResolver({});

describe('boot data on a provider that is not sim', () => {
  let env: IPAMTestStore;
  let allocator: IPAddressAllocator;
  let template: ClusterTemplate;
  before(async () => {
    env = await openTestStore();
    allocator = new IPAddressAllocator({ store: env.store });
    await env.store.create(
      pool('lan', { addresses: ['192.168.7.50-192.168.7.90'], prefix: 24, gateway: '192.168.7.1' }),
    );
  });
  after(async () => {
    await env.close();
  });

  async function setUp(ns: string, network: ClusterDeployment['spec']['network'], cps: number) {
    const { store } = env;
    template = await store.create<ClusterTemplate>({
      apiVersion: ApiVersion,
      kind: 'ClusterTemplate',
      metadata: { name: 't', namespace: ns },
      spec: { provider: 'proxmox', distribution: { name: 'k3s', version: 'v1.31.4+k3s1' } },
    });
    const cluster = await store.create<ClusterDeployment>({
      apiVersion: ApiVersion,
      kind: 'ClusterDeployment',
      metadata: { name: 'edge', namespace: ns },
      spec: {
        template: 't',
        credential: 'c',
        config: { controlPlaneNumber: cps },
        ...(network ? { network } : {}),
      },
    });
    const k3s = bootstrap.get('k3s');
    assert.ok(k3s);
    const secrets = await ensureClusterSecrets({
      store,
      cluster,
      provider: k3s,
      hasMachines: false,
    });
    assert.ok(secrets.ok);
    const addressing = clusterAddressing(cluster, cps);
    const vip = await ensureControlPlaneVIP({
      store,
      allocator,
      cluster,
      plan: addressing.vip,
      hasMachines: false,
    });
    assert.ok(vip.ok);
    const make = async (name: string, role: 'control-plane' | 'worker', initialize: boolean) =>
      store.create(
        newMachine({
          cluster,
          name,
          role,
          initialize,
          template,
          settings: {},
          credentialRef: `${ns}/c`,
          ...(addressing.machines ? { network: addressing.machines } : {}),
        }),
      );
    const machines = [
      await make('edge-cp-0', 'control-plane', true),
      await make('edge-cp-1', 'control-plane', false),
      await make('edge-worker-a', 'worker', false),
    ];
    return { cluster, machines, vip: vip.address };
  }

  async function render(
    cluster: ClusterDeployment,
    machine: Machine,
    all: () => Promise<Machine[]>,
  ) {
    const network = await machineNetwork({ allocator, machine, cluster });
    assert.ok(network.ok);
    return ensureBootstrapData({
      store: env.store,
      machine,
      cluster,
      bootstrap,
      endpointResolver,
      provider: proxmox,
      controlPlaneVIP: () => Promise.resolve(undefined),
      firstControlPlaneAddress: async () => firstControlPlaneHost(env.store, await all()),
      clusterExists: () => Promise.resolve(false),
      ...(network.value.bootstrap ? { network: network.value.bootstrap } : {}),
    });
  }

  it('static, no VIP: the first server is the endpoint, known before anything boots', async () => {
    const { cluster, machines, vip } = await setUp(
      'static',
      { ipPool: 'lan', controlPlaneVIP: 'none' },
      3,
    );
    assert.equal(vip, undefined);
    const all = () => Promise.resolve(machines);
    const first = await render(cluster, machines[0]!, all);
    assert.ok(first.ok);
    const firstConfig = readK3sUserData(first.value.data.userData).config;
    assert.equal(firstConfig['node-ip'], '192.168.7.50');
    assert.equal(firstConfig['cluster-init'], true);
    assert.deepEqual(firstConfig['tls-san'], ['192.168.7.50']);
    // No machine has booted or reported an address: the first server's IPAddress says where it will be.
    assert.ok(machines.every((m) => m.status === undefined));
    const worker = await render(cluster, machines[2]!, all);
    assert.ok(worker.ok, JSON.stringify(worker));
    const workerConfig = readK3sUserData(worker.value.data.userData).config;
    assert.equal(workerConfig['server'], 'https://192.168.7.50:6443');
  });

  it('static with a VIP: joiners go through the VIP and every server runs kube-vip', async () => {
    const { cluster, machines, vip } = await setUp('vip', { ipPool: 'lan' }, 3);
    assert.ok(vip);
    const all = () => Promise.resolve(machines);
    const vipOf = () => Promise.resolve(vip);
    const network = await machineNetwork({ allocator, machine: machines[1]!, cluster });
    assert.ok(network.ok);
    const joiner = await ensureBootstrapData({
      store: env.store,
      machine: machines[1]!,
      cluster,
      bootstrap,
      endpointResolver,
      provider: proxmox,
      controlPlaneVIP: vipOf,
      firstControlPlaneAddress: async () => firstControlPlaneHost(env.store, await all()),
      clusterExists: () => Promise.resolve(false),
      ...(network.value.bootstrap ? { network: network.value.bootstrap } : {}),
    });
    assert.ok(joiner.ok);
    const reading = readK3sUserData(joiner.value.data.userData);
    assert.equal(reading.config['server'], `https://${vip}:6443`);
    assert.deepEqual(reading.config['tls-san'], [vip]);
    assert.ok(reading.files.get(kubeVipManifestPath));
    assert.notEqual(reading.config['node-ip'], vip);
    // The provider is told the NIC's MAC and address, as network-config names them.
    assert.equal(network.value.provider?.mode, 'static');
    assert.equal(network.value.provider?.address, reading.config['node-ip']);
    assert.match(network.value.provider?.macAddress ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('DHCP, no VIP: the first server renders without an endpoint; the rest wait for its address', async () => {
    const { cluster, machines } = await setUp('dhcp', { mode: 'dhcp' }, 1);
    let current = machines;
    const all = () => Promise.resolve(current);
    const first = await render(cluster, machines[0]!, all);
    assert.ok(first.ok);
    const firstConfig = readK3sUserData(first.value.data.userData).config;
    assert.equal(firstConfig['cluster-init'], true);
    assert.equal(firstConfig['node-ip'], undefined);
    const waiting = await render(cluster, machines[2]!, all);
    assert.ok(!waiting.ok);
    assert.match(waiting.message, /waiting to learn where the API of cluster edge answers/);
    // The guest agent reported the first server's address.
    const reported = await env.store.updateStatus<Machine>({
      ...machines[0]!,
      status: { addresses: [{ type: 'InternalIP', address: '192.168.7.201' }] },
    });
    current = [reported, ...machines.slice(1)];
    const worker = await render(cluster, machines[2]!, all);
    assert.ok(worker.ok);
    assert.equal(
      readK3sUserData(worker.value.data.userData).config['server'],
      'https://192.168.7.201:6443',
    );
  });
});
