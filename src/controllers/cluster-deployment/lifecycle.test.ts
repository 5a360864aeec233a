// End to end on the real store, runtime, sim provider, K3s bootstrap provider, simulated
// child API and child-cluster client: create, scale, upgrade, repair and delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClusterDeploymentReasons,
  type ClusterDeployment,
} from '../../api/kinds/cluster-deployment.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import type { Secret } from '../../api/kinds/secret.ts';
import { findCondition } from '../conditions.ts';
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

async function setUpNamespace(ns: string): Promise<void> {
  await env.store.create(template(ns, 't1', { upgradeTargets: ['t2'] }));
  await env.store.create(template(ns, 't2', { version: 'v1.32.1+k3s1', upgradeTargets: ['t3'] }));
  await env.store.create(template(ns, 't3', { version: 'v1.33.0+k3s1' }));
  await env.store.create(credential(ns, 'sim'));
}

async function get(ns: string, name: string): Promise<ClusterDeployment> {
  return env.store.get<ClusterDeployment>('ClusterDeployment', ns, name);
}

async function readyCluster(ns: string, name: string, nodes: string): Promise<ClusterDeployment> {
  return eventually(`${ns}/${name} Ready with ${nodes} nodes`, async () => {
    const cd = await get(ns, name);
    const ready = findCondition(cd.status?.conditions, 'Ready');
    return cd.status?.phase === 'Ready' &&
      ready?.status === 'True' &&
      cd.status.readyNodes === nodes
      ? cd
      : undefined;
  });
}

async function machinesOf(ns: string, name: string): Promise<Machine[]> {
  return (await listAll<Machine>(env.store, 'Machine', ns)).filter(
    (m) => m.spec.clusterName === name,
  );
}

async function patchConfig(
  ns: string,
  name: string,
  config: Record<string, unknown>,
): Promise<void> {
  const cd = await get(ns, name);
  await env.store.update({ ...cd, spec: { ...cd.spec, config: { ...cd.spec.config, ...config } } });
}

describe('ClusterDeployment end to end on sim', () => {
  it('creates a cluster that becomes Ready, with secrets, machines and a working kubeconfig', async () => {
    const ns = 'create';
    await setUpNamespace(ns);
    await env.store.create(cluster(ns, 'demo'));
    const cd = await readyCluster(ns, 'demo', '2/2');
    assert.equal(cd.status?.version, 'v1.31.4+k3s1');
    assert.equal(cd.status?.kubeconfigSecret, 'demo-kubeconfig');
    assert.deepEqual(cd.status?.availableUpgrades, ['t2']);
    assert.ok(cd.status?.controlPlaneEndpoint?.port);
    for (const type of [
      'TemplateReady',
      'CredentialReady',
      'InfrastructureReady',
      'ControlPlaneReady',
      'WorkersReady',
    ]) {
      assert.equal(findCondition(cd.status?.conditions, type)?.status, 'True', type);
    }

    const machines = await machinesOf(ns, 'demo');
    assert.deepEqual(machines.map((m) => [m.spec.role, m.status?.phase]).sort(), [
      ['control-plane', 'Running'],
      ['worker', 'Running'],
    ]);
    const cp = machines.find((m) => m.spec.role === 'control-plane');
    assert.equal(cp?.metadata.name, 'demo-cp-0');
    assert.equal(cp?.spec.bootstrap?.initialize, true);
    assert.match(
      machines.find((m) => m.spec.role === 'worker')?.metadata.name ?? '',
      /^demo-worker-[a-z0-9]{5}$/,
    );

    const secrets = (await listAll<Secret>(env.store, 'Secret', ns))
      .map((s) => `${s.metadata.name}:${s.type}`)
      .sort();
    assert.deepEqual(
      secrets,
      [
        `demo-cp-0-bootstrap:slipway.dev/bootstrap-data`,
        `demo-kubeconfig:slipway.dev/kubeconfig`,
        `demo-pki:slipway.dev/cluster-pki`,
        `demo-token:slipway.dev/join-token`,
        `${machines.find((m) => m.spec.role === 'worker')?.metadata.name}-bootstrap:slipway.dev/bootstrap-data`,
      ].sort(),
    );

    const client = await env.childClient(ns, 'demo');
    const nodes = await client.listNodes();
    assert.deepEqual(
      nodes.map((n) => n.ready),
      [true, true],
    );
  });

  it('scales workers 1 → 5 → 2, removing the newest first', async () => {
    const ns = 'scale';
    await setUpNamespace(ns);
    await env.store.create(cluster(ns, 'demo'));
    await readyCluster(ns, 'demo', '2/2');
    await patchConfig(ns, 'demo', { workersNumber: 5 });
    await readyCluster(ns, 'demo', '6/6');
    const five = (await machinesOf(ns, 'demo')).filter((m) => m.spec.role === 'worker');
    assert.equal(five.length, 5);
    const oldest = [...five].sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    )[0];

    await patchConfig(ns, 'demo', { workersNumber: 2 });
    await readyCluster(ns, 'demo', '3/3');
    const left = await eventually('3 machines', async () => {
      const ms = await machinesOf(ns, 'demo');
      return ms.length === 3 ? ms : undefined;
    });
    assert.ok(
      left.some((m) => m.metadata.name === oldest?.metadata.name),
      'the oldest worker stays',
    );
    const client = await env.childClient(ns, 'demo');
    const nodes = await eventually('3 nodes', async () => {
      const list = await client.listNodes();
      return list.length === 3 ? list : undefined;
    });
    assert.deepEqual(nodes.map((n) => n.name).sort(), left.map((m) => m.metadata.name).sort());
    assert.equal(env.hypervisor.listVMs({ namespace: ns, clusterName: 'demo' }).length, 3);
  });

  it('brings up three control planes, joining one at a time', async () => {
    const ns = 'ha';
    await setUpNamespace(ns);
    await env.store.create(
      cluster(ns, 'demo', { config: { controlPlaneNumber: 3, workersNumber: 1 } }),
    );
    await readyCluster(ns, 'demo', '4/4');
    const cps = (await machinesOf(ns, 'demo')).filter((m) => m.spec.role === 'control-plane');
    assert.deepEqual(cps.map((m) => m.metadata.name).sort(), [
      'demo-cp-0',
      'demo-cp-1',
      'demo-cp-2',
    ]);
    assert.deepEqual(cps.map((m) => m.spec.bootstrap?.initialize === true).sort(), [
      false,
      false,
      true,
    ]);
    const created = cps.map((m) => m.metadata.creationTimestamp ?? '').sort();
    assert.ok(created[0]! <= created[1]! && created[1]! <= created[2]!);
  });

  it('upgrades along the template chain and refuses a template off the chain', async () => {
    const ns = 'upgrade';
    await setUpNamespace(ns);
    await env.store.create(
      cluster(ns, 'demo', { config: { controlPlaneNumber: 3, workersNumber: 2 } }),
    );
    await readyCluster(ns, 'demo', '5/5');

    let cd = await get(ns, 'demo');
    await env.store.update({ ...cd, spec: { ...cd.spec, template: 't3' } });
    const refused = await eventually('the off-chain switch refused', async () => {
      const c = await get(ns, 'demo');
      const cond = findCondition(c.status?.conditions, 'TemplateReady');
      return cond?.reason === 'UpgradeFailed' ? cond : undefined;
    });
    assert.match(refused.message ?? '', /not an upgrade target of t1 \(allowed: t2\)/);
    assert.ok(
      (await machinesOf(ns, 'demo')).every((m) => m.spec.template === 't1'),
      'nothing changed',
    );

    // Watch the rollout: never more than one extra control plane or worker (surge 1),
    // never fewer Ready control planes than wanted (maxUnavailable 0).
    const seen = new Map<string, Machine>();
    let maxCps = 0;
    let maxWorkers = 0;
    let minReadyCps = Infinity;
    const watch = await env.store.watch<Machine>({
      kind: 'Machine',
      namespace: ns,
      resourceVersion: await env.store.currentRevision(),
    });
    for (const m of await machinesOf(ns, 'demo')) seen.set(m.metadata.name, m);
    const watching = (async () => {
      for await (const event of watch) {
        if (event.type === 'DELETED') seen.delete(event.object.metadata.name);
        else if (event.type !== 'BOOKMARK') seen.set(event.object.metadata.name, event.object);
        const live = [...seen.values()].filter((m) => !m.metadata.deletionTimestamp);
        const cps = live.filter((m) => m.spec.role === 'control-plane');
        maxCps = Math.max(maxCps, cps.length);
        maxWorkers = Math.max(maxWorkers, live.length - cps.length);
        minReadyCps = Math.min(minReadyCps, cps.filter((m) => m.status?.ready === true).length);
      }
    })();

    cd = await get(ns, 'demo');
    await env.store.update({ ...cd, spec: { ...cd.spec, template: 't2' } });
    cd = await eventually('upgraded to t2', async () => {
      const c = await get(ns, 'demo');
      return c.status?.phase === 'Ready' && c.status.version === 'v1.32.1+k3s1' ? c : undefined;
    });
    assert.deepEqual(cd.status?.availableUpgrades, ['t3']);
    const machines = await eventually('5 upgraded machines', async () => {
      const ms = await machinesOf(ns, 'demo');
      return ms.length === 5 && ms.every((m) => m.spec.template === 't2') ? ms : undefined;
    });
    assert.equal(machines.filter((m) => m.spec.role === 'control-plane').length, 3);
    const client = await env.childClient(ns, 'demo');
    const nodes = await eventually('5 nodes on the new version', async () => {
      const list = await client.listNodes();
      return list.length === 5 ? list : undefined;
    });
    assert.ok(nodes.every((n) => n.ready));
    watch.close();
    await watching;
    assert.equal(maxCps, 4, 'control planes roll with surge 1');
    assert.equal(maxWorkers, 3, 'workers roll with maxSurge 1');
    assert.equal(minReadyCps, 3, 'a new control plane is Ready before an old one goes');
    const vms = env.hypervisor.listVMs({ namespace: ns, clusterName: 'demo' });
    assert.equal(vms.length, 5, 'old VMs are gone');
  });

  it('repairs a VM deleted behind its back', async () => {
    const ns = 'drift';
    await setUpNamespace(ns);
    await env.store.create(cluster(ns, 'demo'));
    await readyCluster(ns, 'demo', '2/2');
    const worker = env.hypervisor
      .listVMs({ namespace: ns, clusterName: 'demo' })
      .find((vm) => vm.role === 'worker');
    assert.ok(worker);
    await env.hypervisor.vanishVM(worker.vmid);
    await eventually('the VM recreated', async () => {
      await env.hypervisor.settle();
      const vms = env.hypervisor.listVMs({
        namespace: ns,
        clusterName: 'demo',
        machineName: worker.machineName,
      });
      return vms.length === 1 && vms[0]?.vmid !== worker.vmid ? vms : undefined;
    });
    await readyCluster(ns, 'demo', '2/2');
    const machines = await machinesOf(ns, 'demo');
    assert.equal(machines.length, 2, 'the same Machine, a new VM');
  });

  it('picks up where it left off after the controllers restart mid-provisioning', async () => {
    const ns = 'restart';
    await setUpNamespace(ns);
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) {
      await env.store.create(
        cluster(ns, name, { config: { controlPlaneNumber: 3, workersNumber: 2 } }),
      );
    }
    await eventually('some machines made', async () => {
      const ms = await listAll<Machine>(env.store, 'Machine', ns);
      return ms.length >= 5 ? ms : undefined;
    });
    await env.restartControllers();
    for (const name of names) await readyCluster(ns, name, '5/5');
    const machines = await listAll<Machine>(env.store, 'Machine', ns);
    const vms = env.hypervisor.listVMs({ namespace: ns });
    assert.equal(machines.length, 25);
    assert.deepEqual(
      vms.map((vm) => `${vm.clusterName}/${vm.machineName}`).sort(),
      machines.map((m) => `${m.spec.clusterName}/${m.metadata.name}`).sort(),
      'one VM per Machine: no duplicate, no orphan',
    );
    assert.ok(vms.every((vm) => machines.some((m) => m.metadata.uid === vm.machineUID)));
  });

  it('deletes a cluster leaving no VM, machine or secret', async () => {
    const ns = 'delete';
    await setUpNamespace(ns);
    await env.store.create(cluster(ns, 'demo', { config: { workersNumber: 2 } }));
    await readyCluster(ns, 'demo', '3/3');
    await env.store.delete('ClusterDeployment', ns, 'demo');
    await eventually('the cluster gone', async () => {
      const left = await listAll(env.store, 'ClusterDeployment', ns);
      return left.length === 0 ? true : undefined;
    });
    assert.deepEqual(await machinesOf(ns, 'demo'), []);
    assert.deepEqual(env.hypervisor.listVMs({ namespace: ns }), []);
    const secrets = await eventually('no secrets', async () => {
      const left = await listAll<Secret>(env.store, 'Secret', ns);
      return left.length === 0 ? left : undefined;
    });
    assert.deepEqual(secrets, []);
  });
});

describe('ClusterDeployment bad input creates nothing', () => {
  const ns = 'bad';
  before(async () => {
    await setUpNamespace(ns);
    await env.store.create(credential('other', 'foreign'));
  });

  async function expectBlocked(
    name: string,
    spec: Partial<ClusterDeployment['spec']>,
    type: string,
    reason: string,
    message: RegExp,
  ) {
    await env.store.create(cluster(ns, name, spec));
    const cd = await eventually(`${name} blocked`, async () => {
      const c = await get(ns, name);
      const cond = findCondition(c.status?.conditions, type);
      return cond?.status === 'False' && cond.reason === reason ? c : undefined;
    });
    assert.equal(cd.status?.phase, 'Failed');
    assert.match(findCondition(cd.status?.conditions, type)?.message ?? '', message);
    assert.deepEqual(await machinesOf(ns, name), []);
    const secrets = (await listAll<Secret>(env.store, 'Secret', ns)).filter((s) =>
      s.metadata.name.startsWith(`${name}-`),
    );
    assert.deepEqual(secrets, []);
  }

  it('an unknown template', () =>
    expectBlocked(
      'no-template',
      { template: 'missing' },
      'TemplateReady',
      'TemplateNotFound',
      /"missing" does not exist/,
    ));

  it('a credential of another namespace', () =>
    expectBlocked(
      'foreign-cred',
      { credential: 'foreign' },
      'CredentialReady',
      'CredentialNotFound',
      /"foreign" does not exist in namespace bad/,
    ));

  it('values that break the schema, naming the field', () =>
    expectBlocked(
      'bad-values',
      { config: { machine: { vcpu: 0 } } as NonNullable<ClusterDeployment['spec']['config']> },
      'TemplateReady',
      'InvalidConfig',
      /spec\.config\.machine\.vcpu: must be >= 1/,
    ));

  it('an even number of control planes', () =>
    expectBlocked(
      'even',
      { config: { controlPlaneNumber: 2 } },
      'TemplateReady',
      'InvalidConfig',
      /controlPlaneNumber: must be 1, 3 or 5/,
    ));

  it("a Secret of the cluster's name that is not the cluster's own", async () => {
    await env.store.create<Secret>({
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Secret',
      metadata: { name: 'squatted-token', namespace: ns },
      data: { token: Buffer.from('someone else').toString('base64') },
    });
    await env.store.create(cluster(ns, 'squatted'));
    const cd = await eventually('squatted blocked', async () => {
      const c = await get(ns, 'squatted');
      const cond = findCondition(c.status?.conditions, 'InfrastructureReady');
      return cond?.reason === ClusterDeploymentReasons.ClusterSecretsConflict ? c : undefined;
    });
    const cond = findCondition(cd.status?.conditions, 'InfrastructureReady');
    assert.equal(cond?.status, 'False');
    assert.match(cond?.message ?? '', /Secret bad\/squatted-token exists but does not belong/);
    assert.deepEqual(await machinesOf(ns, 'squatted'), []);
  });

  it('a negative number of workers', () =>
    expectBlocked(
      'negative',
      { config: { workersNumber: -1 } },
      'TemplateReady',
      'InvalidConfig',
      /spec\.config\.workersNumber/,
    ));
});
