// The Project controller against the real SQLite store: status.namespace, usage summed
// from the namespace's clusters (config merged over template defaults, own namespace or
// slipway-system), clusters being deleted left out, and QuotaExceeded when the quota is
// lowered below the usage.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { Project } from '../api/kinds/project.ts';
import { ApiVersion, type AnyResource } from '../api/meta.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { findCondition } from './conditions.ts';
import type { Events } from './dependencies.ts';
import { projectController } from './project.controller.ts';
import { cluster, template } from './test-environment.ts';

const ctx = { signal: new AbortController().signal, now: () => new Date('2026-03-01T08:00:00Z') };
const recorded: { name: string; reason: string; message: string }[] = [];
const events: Events = {
  record(obj: AnyResource, _type, reason, message) {
    recorded.push({ name: obj.metadata.name, reason, message });
    return Promise.resolve();
  },
};

describe('Project controller', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-project-'));
    store = await openSqliteStore({ dataDir: dir });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const reconcile = (name: string) => projectController({ store, events }).reconcile(ctx, name);
  const get = (name: string) => store.get<Project>('Project', undefined, name);

  it('sums usage over the namespace’s clusters and flags a lowered quota', async () => {
    await store.create<Project>({
      apiVersion: ApiVersion,
      kind: 'Project',
      metadata: { name: 'lab' },
      spec: { quota: { clusters: 3, vcpu: 16 }, quotaLimit: { machines: 10, memoryMiB: 65536 } },
    });
    // Own template: 1 cp + 1 worker of 2 vCPU / 2048 MiB by default.
    await store.create(template('lab', 't1'));
    // A shared one with disks, in slipway-system.
    await store.create(
      template('slipway-system', 'big', {
        defaults: {
          controlPlaneNumber: 1,
          workersNumber: 2,
          machine: { vcpu: 4, memoryMiB: 8192, diskGiB: 40 },
        },
      }),
    );
    await store.create(cluster('lab', 'a'));
    await store.create(cluster('lab', 'b', { config: { workersNumber: 3 } }));
    await store.create(cluster('lab', 'c', { template: 'big' }));
    // Another namespace's cluster does not count.
    await store.create(cluster('elsewhere', 'x'));

    assert.deepEqual(await reconcile('lab'), {});
    let project = await get('lab');
    assert.equal(project.status?.namespace, 'lab');
    // a: 2 × (2 vCPU, 2048 MiB); b: 4 × the same; c: 3 × (4 vCPU, 8192 MiB, 40 GiB).
    assert.deepEqual(project.status?.usage, {
      clusters: 3,
      machines: 9,
      vcpu: 24,
      memoryMiB: 6 * 2048 + 3 * 8192,
      diskGiB: 120,
    });
    const ready = findCondition(project.status?.conditions, 'Ready');
    assert.deepEqual([ready?.status, ready?.message], ['True', 'namespace lab: 3 clusters']);
    let exceeded = findCondition(project.status?.conditions, 'QuotaExceeded');
    assert.equal(exceeded?.status, 'True', 'vcpu 24 > 16 already');
    assert.equal(
      exceeded?.message,
      'usage is above the quota: vcpu=24 (quota 16); new clusters and scale-ups are refused until it is below',
    );
    assert.deepEqual(
      recorded.map((e) => [e.name, e.reason]),
      [['lab', 'QuotaExceeded']],
    );

    // The admin raises vCPU and lowers machines below use (quota falls back to quotaLimit).
    project.spec.quota = { clusters: 3, vcpu: 32, machines: 8 };
    await store.update(project);
    await reconcile('lab');
    project = await get('lab');
    exceeded = findCondition(project.status?.conditions, 'QuotaExceeded');
    assert.match(exceeded?.message ?? '', /: machines=9 \(quota 8\);/);

    // A cluster being deleted no longer counts: within quota again.
    const doomed = await store.get<ClusterDeployment>('ClusterDeployment', 'lab', 'b');
    await store.update({ ...doomed, metadata: { ...doomed.metadata, finalizers: ['test/hold'] } });
    await store.delete('ClusterDeployment', 'lab', 'b');
    await reconcile('lab');
    project = await get('lab');
    assert.deepEqual(project.status?.usage, {
      clusters: 2,
      machines: 5,
      vcpu: 16,
      memoryMiB: 2 * 2048 + 3 * 8192,
      diskGiB: 120,
    });
    exceeded = findCondition(project.status?.conditions, 'QuotaExceeded');
    assert.deepEqual([exceeded?.status, exceeded?.reason], ['False', 'WithinQuota']);
    assert.equal(recorded.length, 1, 'the warning came once, when the quota was first exceeded');
  });

  it('an empty project uses nothing, and a missing one is left alone', async () => {
    await store.create<Project>({
      apiVersion: ApiVersion,
      kind: 'Project',
      metadata: { name: 'empty' },
      spec: {},
    });
    await reconcile('empty');
    const project = await get('empty');
    assert.deepEqual(project.status?.usage, {
      clusters: 0,
      machines: 0,
      vcpu: 0,
      memoryMiB: 0,
      diskGiB: 0,
    });
    assert.equal(findCondition(project.status?.conditions, 'QuotaExceeded')?.status, 'False');
    assert.deepEqual(await reconcile('nobody'), {});
  });
});
