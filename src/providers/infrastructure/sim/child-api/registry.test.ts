import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isSlipwayError } from '../../../../api/errors.ts';
import { simDatabasePath } from './registry-db.ts';
import { openSimClusterRegistry, type PersistentSimClusterRegistry } from './registry.ts';
import { makeTestClusterPki, testNode, type TestClusterPki } from './test-pki.ts';
import type { SimWatchEvent } from './watch-hub.ts';

describe('simulated cluster registry', () => {
  let dataDir: string;
  let registry: PersistentSimClusterRegistry;
  let pki: TestClusterPki;
  const id = 'default/demo';
  const pods = (nodeName: string) => registry.listPodsOnNode(id, nodeName);
  const ownerKinds = (nodeName: string) =>
    pods(nodeName)
      .map((p) => p.metadata.ownerReferences?.[0]?.kind)
      .sort();

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-sim-registry-'));
    registry = openSimClusterRegistry({ dataDir });
    pki = await makeTestClusterPki('default', 'demo');
  });
  after(async () => {
    registry.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('ensureCluster creates the cluster with K3s system namespaces, once', async () => {
    await registry.ensureCluster(pki.init);
    const revision = registry.revision;
    await registry.ensureCluster(pki.init);
    assert.equal(registry.revision, revision, 'idempotent: nothing written again');
    assert.deepEqual(registry.getCluster(id), pki.init);
    assert.deepEqual(
      registry.listObjects(id, '', 'Namespace').map((ns) => ns.metadata.name),
      ['default', 'kube-node-lease', 'kube-public', 'kube-system'],
    );
    assert.ok((await stat(simDatabasePath(dataDir))).isFile());
  });

  test('nodes register like kubelets and read back as SimNodes', async () => {
    const cp = testNode('demo-cp-1', 'control-plane', { labels: { zone: 'a' } });
    await registry.upsertNode(id, cp);
    await registry.upsertNode(id, testNode('demo-w-1', 'worker', { internalIP: '10.0.0.21' }));
    const [first, second] = registry.listNodes(id);
    assert.equal(first?.name, 'demo-cp-1');
    assert.equal(first?.role, 'control-plane');
    assert.equal(first?.labels['zone'], 'a');
    assert.equal(first?.labels['node-role.kubernetes.io/control-plane'], 'true');
    assert.equal(first?.ready, true);
    assert.deepEqual(first?.taints, []);
    assert.equal(second?.role, 'worker');
    assert.equal(second?.internalIP, '10.0.0.21');
    // The first server runs the packaged system pods; every node a ServiceLB pod; workers a sample pod.
    assert.deepEqual(ownerKinds('demo-cp-1'), [
      'DaemonSet',
      'ReplicaSet',
      'ReplicaSet',
      'ReplicaSet',
    ]);
    assert.deepEqual(ownerKinds('demo-w-1'), ['DaemonSet', 'ReplicaSet']);
    assert.ok(registry.isServing(id));
  });

  test('a cordon survives re-registration; readiness follows setNodeReady', async () => {
    const node = registry.getObject(id, {
      group: '',
      kind: 'Node',
      namespace: '',
      name: 'demo-w-1',
    });
    assert.ok(node);
    registry.updateObject(id, {
      ...node,
      spec: { ...(node['spec'] as object), unschedulable: true },
    });
    await registry.upsertNode(id, testNode('demo-w-1', 'worker', { internalIP: '10.0.0.21' }));
    assert.equal(registry.listNodes(id)[1]?.unschedulable, true);
    await registry.setNodeReady(id, 'demo-w-1', false);
    const [, worker] = registry.listNodes(id);
    assert.equal(worker?.ready, false);
    assert.deepEqual(worker?.taints, [], 'managed taints are not reported back');
    await registry.setNodeReady(id, 'demo-cp-1', false);
    assert.equal(registry.isServing(id), false, 'no Ready control plane: the API is down');
    await registry.setNodeReady(id, 'demo-cp-1', true);
    assert.equal(registry.isServing(id), true, 'a Ready control plane again: the API is up');
    await registry.setNodeReady(id, 'demo-w-1', true);
    await assert.rejects(registry.setNodeReady(id, 'ghost', true), /nodes "ghost" not found/);
    await assert.rejects(
      registry.upsertNode('default/nowhere', testNode('x', 'worker')),
      /simulated cluster "default\/nowhere" not found/,
    );
  });

  test('removing a node garbage-collects its pods; ReplicaSet pods come back elsewhere', async () => {
    await registry.upsertNode(id, testNode('demo-w-2', 'worker'));
    const before = registry.listObjects(id, '', 'Pod').length;
    await registry.removeNode(id, 'demo-w-2');
    await registry.removeNode(id, 'demo-w-2');
    assert.equal(pods('demo-w-2').length, 0);
    // Its ServiceLB pod is gone for good, its sample pod was recreated on another node.
    assert.equal(registry.listObjects(id, '', 'Pod').length, before - 1);
  });

  test('eviction honours PodDisruptionBudgets (429) and dry runs change nothing', () => {
    const web = registry.listObjects(id, '', 'Pod', 'default');
    const budget = registry.createObject(id, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: web.length, selector: { matchLabels: { app: 'web' } } },
    });
    const pod = web[0];
    assert.ok(pod);
    assert.throws(
      () => registry.evictPod(id, 'default', pod.metadata.name),
      (err: unknown) => isSlipwayError(err, 'TooManyRequests') && err.code === 429,
    );
    registry.deleteObject(id, {
      group: 'policy',
      kind: 'PodDisruptionBudget',
      namespace: 'default',
      name: 'web',
    });
    assert.equal(budget.metadata.generation, 1);
    const revision = registry.revision;
    registry.evictPod(id, 'default', pod.metadata.name, { dryRun: true });
    assert.equal(registry.revision, revision);
    registry.evictPod(id, 'default', pod.metadata.name);
    assert.equal(
      registry.getObject(id, {
        group: '',
        kind: 'Pod',
        namespace: 'default',
        name: pod.metadata.name,
      }),
      undefined,
    );
  });

  test('watch replays from a revision and delivers live events', async () => {
    const from = registry.revision;
    const events: SimWatchEvent[] = [];
    const sub = registry.watch(
      id,
      from,
      (e) => events.push(e),
      () => {},
    );
    assert.notEqual(sub, 'expired');
    await registry.setNodeReady(id, 'demo-w-1', false);
    await registry.setNodeReady(id, 'demo-w-1', true);
    if (sub !== 'expired') sub.stop();
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.name}`),
      ['MODIFIED Node demo-w-1', 'MODIFIED Node demo-w-1'],
    );
    assert.ok(events.every((e, i) => e.revision === from + i + 1));
  });

  test('state survives reopening; watch history does not', () => {
    const nodes = registry.listNodes(id);
    const revision = registry.revision;
    registry.close();
    registry = openSimClusterRegistry({ dataDir });
    assert.deepEqual(registry.getCluster(id), pki.init);
    assert.deepEqual(registry.listNodes(id), nodes);
    assert.equal(registry.revision, revision);
    assert.equal(
      registry.watch(
        id,
        revision - 1,
        () => {},
        () => {},
      ),
      'expired',
    );
    assert.deepEqual(registry.listClusterIds(), [id]);
  });

  test('ensureCluster with a new server CA starts a fresh cluster; removeCluster drops it', async () => {
    const fresh = await makeTestClusterPki('default', 'demo');
    await registry.ensureCluster(fresh.init);
    assert.deepEqual(registry.listNodes(id), []);
    assert.equal(registry.getCluster(id)?.serverCA.cert, fresh.init.serverCA.cert);
    await registry.removeCluster(id);
    await registry.removeCluster(id);
    assert.equal(registry.getCluster(id), undefined);
    assert.deepEqual(registry.listNodes(id), []);
    assert.deepEqual(registry.listClusterIds(), []);
  });
});
