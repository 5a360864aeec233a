// Addresses end to end on the real store, runtime, garbage collector, sim provider and
// K3s bootstrap: an HA cluster with a pool gets a static address per machine (in its
// boot data) and a control-plane VIP (kube-vip on every server), and leaves no address
// behind when deleted; an exhausted pool stops a machine with PoolExhausted; DHCP mode
// allocates nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import type { ClusterDeployment } from '../../api/kinds/cluster-deployment.ts';
import type { IPAddress } from '../../api/kinds/ip-address.ts';
import type { IPPool, IPPoolSpec } from '../../api/kinds/ip-pool.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import type { Secret } from '../../api/kinds/secret.ts';
import { ApiVersion } from '../../api/meta.ts';
import { kubeVipManifestPath } from '../../providers/bootstrap/k3s/kube-vip.ts';
import { readK3sUserData } from '../../providers/bootstrap/k3s/read-user-data.ts';
import { findCondition } from '../conditions.ts';
import { machineMacAddress } from '../ipam/mac-address.ts';
import { getIfExists, isControlledBy } from '../objects.ts';
import { decodeSecretData } from '../secrets.ts';
import {
  cluster,
  credential,
  eventually,
  listAll,
  startTestEnvironment,
  template,
  type TestEnvironment,
} from '../test-environment.ts';

let env: TestEnvironment;

before(async () => {
  env = await startTestEnvironment();
});
after(async () => {
  await env?.close();
});

async function setUp(ns: string, poolName: string, spec: IPPoolSpec): Promise<void> {
  await env.store.create(template(ns, 't1'));
  await env.store.create(credential(ns, 'sim'));
  await env.store.create<IPPool>({
    apiVersion: ApiVersion,
    kind: 'IPPool',
    metadata: { name: poolName },
    spec,
  });
}

async function machinesOf(ns: string, name: string): Promise<Machine[]> {
  return (await listAll<Machine>(env.store, 'Machine', ns)).filter(
    (m) => m.spec.clusterName === name,
  );
}

async function bootData(ns: string, machine: string): Promise<Record<string, string>> {
  const secret = await env.store.get<Secret>('Secret', ns, `${machine}-bootstrap`);
  return decodeSecretData(secret);
}

async function setWorkers(ns: string, name: string, workersNumber: number): Promise<void> {
  const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, name);
  await env.store.update({
    ...cd,
    spec: { ...cd.spec, config: { ...cd.spec.config, workersNumber } },
  });
}

function pool(name: string): Promise<IPPool> {
  return env.store.get<IPPool>('IPPool', undefined, name);
}

describe('addresses end to end on sim', () => {
  it('an HA cluster with a pool: static addresses, a VIP, and nothing left after delete', async () => {
    const ns = 'ipam-ha';
    await setUp(ns, 'lab', {
      addresses: ['10.77.0.20-10.77.0.40'],
      prefix: 24,
      gateway: '10.77.0.1',
      dnsServers: ['10.77.0.2'],
      searchDomains: ['lab.example'],
    });
    await env.store.create(
      cluster(ns, 'ha', {
        config: { controlPlaneNumber: 3, workersNumber: 2 },
        network: { ipPool: 'lab' },
      }),
    );
    const ready = await eventually(
      'cluster ha Ready with 5 nodes',
      async () => {
        const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'ha');
        return cd.status?.phase === 'Ready' && cd.status.readyNodes === '5/5' ? cd : undefined;
      },
      60_000,
    );

    // The VIP: the lowest address, claimed before any machine, owned by the cluster.
    const vip = await env.store.get<IPAddress>('IPAddress', ns, 'ha-vip');
    assert.equal(vip.spec.address, '10.77.0.20');
    assert.ok(isControlledBy(vip, ready));
    assert.deepEqual(vip.spec.claimRef, { kind: 'ClusterDeployment', name: 'ha' });

    const machines = await machinesOf(ns, 'ha');
    assert.equal(machines.length, 5);
    const addresses = new Set<string>([vip.spec.address]);
    for (const m of machines) {
      assert.deepEqual(m.spec.network, { mode: 'static', ipPool: 'lab' });
      const ip = await env.store.get<IPAddress>('IPAddress', ns, m.metadata.name);
      assert.ok(isControlledBy(ip, m), `${m.metadata.name}'s IPAddress is owned by it`);
      addresses.add(ip.spec.address);

      const data = await bootData(ns, m.metadata.name);
      const network = parse(data['networkConfig'] ?? '') as {
        ethernets: Record<string, Record<string, unknown>>;
      };
      assert.deepEqual(network.ethernets['eth0'], {
        match: { macaddress: machineMacAddress(m.metadata.uid ?? '') },
        'set-name': 'eth0',
        dhcp4: false,
        dhcp6: false,
        addresses: [`${ip.spec.address}/24`],
        routes: [{ to: '0.0.0.0/0', via: '10.77.0.1' }],
        nameservers: { addresses: ['10.77.0.2'], search: ['lab.example'] },
      });
      const reading = readK3sUserData(data['userData'] ?? '');
      assert.equal(reading.config['node-ip'], ip.spec.address);
      const kubeVip = reading.files.get(kubeVipManifestPath);
      if (m.spec.role === 'control-plane') {
        assert.ok((reading.config['tls-san'] as string[]).includes('10.77.0.20'));
        const docs = parseAllDocuments(kubeVip?.content.toString('utf8') ?? '').map(
          (d) => d.toJSON() as { kind: string },
        );
        assert.equal(docs.at(-1)?.kind, 'DaemonSet');
        assert.match(kubeVip?.content.toString('utf8') ?? '', /value: 10\.77\.0\.20/);
      } else {
        assert.equal(kubeVip, undefined, 'workers run no kube-vip');
      }
    }
    assert.equal(addresses.size, 6, 'six different addresses: five machines and the VIP');

    const inUse = await eventually('pool counts', async () => {
      const p = await pool('lab');
      return p.status?.allocated === 6 ? p : undefined;
    });
    assert.equal(inUse.status?.total, 21);
    assert.equal(inUse.status?.free, 15);

    // Scale down: the machine's IPAddress goes by owner GC after its VM, and the address is
    // released; scale up again: the new worker gets it back (lowest free first).
    const workerAddresses = async () => {
      const ips = await listAll<IPAddress>(env.store, 'IPAddress', ns);
      return new Map(
        (await machinesOf(ns, 'ha'))
          .filter((m) => m.spec.role === 'worker')
          .map((m) => [m.metadata.name, ips.find((ip) => ip.metadata.name === m.metadata.name)]),
      );
    };
    const before = await workerAddresses();
    await setWorkers(ns, 'ha', 1);
    const freed = await eventually(
      'one worker gone and its address released',
      async () => {
        const now = await workerAddresses();
        const p = await pool('lab');
        if (now.size !== 1 || p.status?.allocated !== 5) return undefined;
        const [gone] = [...before.keys()].filter((name) => !now.has(name));
        return gone ? before.get(gone)?.spec.address : undefined;
      },
      60_000,
    );
    assert.equal((await pool('lab')).status?.allocations?.[freed ?? ''], undefined);
    await setWorkers(ns, 'ha', 2);
    // The new worker takes the lowest free slot, so it may well have the old one's name;
    // its IPAddress is a new object that holds the released address.
    const oldUIDs = new Set([...before.values()].map((ip) => ip?.metadata.uid));
    await eventually(
      'a new worker with the released address',
      async () => {
        const now = [...(await workerAddresses()).values()];
        const fresh = now.find((ip) => ip !== undefined && !oldUIDs.has(ip.metadata.uid));
        return fresh?.spec.address === freed ? true : undefined;
      },
      60_000,
    );

    await env.store.delete('ClusterDeployment', ns, 'ha');
    await eventually(
      'cluster ha gone with its addresses released',
      async () => {
        const gone = !(await getIfExists(env.store, 'ClusterDeployment', ns, 'ha'));
        const left = await listAll<IPAddress>(env.store, 'IPAddress', ns);
        const p = await pool('lab');
        return gone && left.length === 0 && p.status?.allocated === 0 ? true : undefined;
      },
      60_000,
    );
    const released = await pool('lab');
    assert.deepEqual(released.status?.allocations, {});
    assert.equal(released.status?.free, 21);
    assert.equal(findCondition(released.status?.conditions, 'Available')?.status, 'True');
  });

  it('an exhausted pool leaves one machine waiting with PoolExhausted and no IPAddress', async () => {
    const ns = 'ipam-full';
    await setUp(ns, 'small', { addresses: ['10.78.0.10-10.78.0.11'], prefix: 24 });
    await env.store.create(
      cluster(ns, 'full', {
        config: { controlPlaneNumber: 1, workersNumber: 2 },
        network: { ipPool: 'small' },
      }),
    );
    const starved = await eventually('a machine waiting for an address', async () => {
      const machines = await machinesOf(ns, 'full');
      return machines.find(
        (m) => findCondition(m.status?.conditions, 'BootstrapReady')?.reason === 'PoolExhausted',
      );
    });
    assert.equal(starved.status?.phase, 'Pending');
    assert.match(
      findCondition(starved.status?.conditions, 'BootstrapReady')?.message ?? '',
      /IPPool small has no free address/,
    );
    assert.equal(await getIfExists(env.store, 'IPAddress', ns, starved.metadata.name), undefined);
    assert.equal(
      await getIfExists(env.store, 'Secret', ns, `${starved.metadata.name}-bootstrap`),
      undefined,
    );
    const small = await eventually('pool exhausted', async () => {
      const p = await pool('small');
      return findCondition(p.status?.conditions, 'Available')?.reason === 'PoolExhausted'
        ? p
        : undefined;
    });
    assert.equal(small.status?.free, 0);
    // Freeing an address lets it go on: scale the workers down to one.
    await setWorkers(ns, 'full', 1);
    await eventually(
      'cluster full Ready with 2 nodes',
      async () => {
        const now = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'full');
        return now.status?.phase === 'Ready' && now.status.readyNodes === '2/2' ? true : undefined;
      },
      60_000,
    );
  });

  it('DHCP: machines get a MAC-matched DHCP network-config and no address is allocated', async () => {
    const ns = 'ipam-dhcp';
    await setUp(ns, 'dhcp-pool', { addresses: ['10.79.0.10-10.79.0.20'], prefix: 24 });
    await env.store.create(
      cluster(ns, 'dyn', {
        config: { controlPlaneNumber: 1, workersNumber: 1 },
        network: { ipPool: 'dhcp-pool', mode: 'dhcp' },
      }),
    );
    await eventually(
      'cluster dyn Ready',
      async () => {
        const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'dyn');
        return cd.status?.phase === 'Ready' && cd.status.readyNodes === '2/2' ? true : undefined;
      },
      60_000,
    );
    for (const m of await machinesOf(ns, 'dyn')) {
      const network = parse((await bootData(ns, m.metadata.name))['networkConfig'] ?? '') as {
        ethernets: Record<string, unknown>;
      };
      assert.deepEqual(network.ethernets['eth0'], {
        match: { macaddress: machineMacAddress(m.metadata.uid ?? '') },
        'set-name': 'eth0',
        dhcp4: true,
      });
    }
    assert.deepEqual(await listAll<IPAddress>(env.store, 'IPAddress', ns), []);
    assert.equal((await pool('dhcp-pool')).status?.allocated ?? 0, 0);
  });

  it('spec.network that contradicts itself blocks the cluster with its field path', async () => {
    const ns = 'ipam-bad';
    await setUp(ns, 'unused', { addresses: ['10.80.0.10'], prefix: 24 });
    await env.store.create(cluster(ns, 'bad', { network: { mode: 'static' } }));
    await env.store.create(cluster(ns, 'nopool', { network: { ipPool: 'missing' } }));
    const bad = await eventually('bad blocked', async () => {
      const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'bad');
      return findCondition(cd.status?.conditions, 'InfrastructureReady')?.reason ===
        'InvalidNetwork'
        ? cd
        : undefined;
    });
    assert.match(
      findCondition(bad.status?.conditions, 'InfrastructureReady')?.message ?? '',
      /spec\.network\.ipPool: static addresses need a pool/,
    );
    await eventually('nopool blocked', async () => {
      const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'nopool');
      const c = findCondition(cd.status?.conditions, 'InfrastructureReady');
      return c?.reason === 'IPPoolNotFound' && /"missing" does not exist/.test(c.message ?? '')
        ? true
        : undefined;
    });
    assert.deepEqual(await machinesOf(ns, 'bad'), []);
    assert.deepEqual(await machinesOf(ns, 'nopool'), []);
  });
});
