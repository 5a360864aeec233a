// The lifetime controller against the real SQLite store with a fake clock: deadlines
// from project and template policies, warnings 24 h and 1 h ahead given once (even after
// a restart), deletion with an Expired event, and requeues aimed at the next deadline.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { Project } from '../api/kinds/project.ts';
import { ApiVersion, type AnyResource } from '../api/meta.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Events } from './dependencies.ts';
import { expiryWarnedAnnotation, lifetimeController } from './lifetime.controller.ts';
import { getIfExists } from './objects.ts';
import { cluster, template } from './test-environment.ts';

const hour = 3_600_000;
const start = new Date('2026-03-01T08:00:00.000Z');
let now = start;
const ctx = { signal: new AbortController().signal, now: () => now };
const later = (ms: number) => new Date(start.getTime() + ms);

interface Recorded {
  name: string;
  type: string;
  reason: string;
  message: string;
}
const recorded: Recorded[] = [];
const events: Events = {
  record(obj: AnyResource, type, reason, message) {
    recorded.push({ name: obj.metadata.name, type, reason, message });
    return Promise.resolve();
  },
};

function project(name: string, spec: Partial<Project['spec']>): Project {
  return { apiVersion: ApiVersion, kind: 'Project', metadata: { name }, spec };
}

describe('lifetime controller', () => {
  let dir: string;
  let store: SqliteStore;
  // Each test's objects are created at `start`, whatever the wall clock says.
  let storeNow = start;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-lifetime-'));
    store = await openSqliteStore({ dataDir: dir, clock: () => storeNow });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    now = start;
    storeNow = start;
    recorded.length = 0;
  });

  const controller = () => lifetimeController({ store, events });
  const reconcile = (key: string) => controller().reconcile(ctx, key);
  const get = (ns: string) =>
    getIfExists<ClusterDeployment>(store, 'ClusterDeployment', ns, 'demo');

  it('expiresAt is the earliest of project lifetime, project expiresAt and template lifetime', async () => {
    await store.create(
      project('course', { maxClusterLifetime: '72h', expiresAt: later(48 * hour).toISOString() }),
    );
    await store.create(template('course', 't1', { maxClusterLifetime: '1h30m' }));
    await store.create(cluster('course', 'demo'));
    const result = await reconcile('course/demo');
    assert.equal((await get('course'))?.status?.expiresAt, later(1.5 * hour).toISOString());
    // Within 24 h already: the 1 h warning is next, 30 minutes from now.
    assert.equal(result.requeueAfter, 0.5 * hour);

    const t = await store.get<AnyResource & { spec: Record<string, unknown> }>(
      'ClusterTemplate',
      'course',
      't1',
    );
    delete t.spec['maxClusterLifetime'];
    await store.update(t);
    await reconcile('course/demo');
    assert.equal(
      (await get('course'))?.status?.expiresAt,
      later(48 * hour).toISOString(),
      'the project end',
    );

    const p = await store.get<Project>('Project', undefined, 'course');
    delete p.spec.expiresAt;
    await store.update(p);
    await reconcile('course/demo');
    assert.equal((await get('course'))?.status?.expiresAt, later(72 * hour).toISOString());

    const q = await store.get<Project>('Project', undefined, 'course');
    q.spec = {};
    await store.update(q);
    assert.deepEqual(await reconcile('course/demo'), {}, 'no policy: nothing to wait for');
    assert.equal((await get('course'))?.status?.expiresAt, undefined);
    assert.deepEqual(
      recorded.map((e) => [e.reason, e.message]),
      [
        [
          'ExpiringSoon',
          `the cluster is deleted in 1h 30m, at ${later(1.5 * hour).toISOString()} (template "t1" maxClusterLifetime 1h30m)`,
        ],
      ],
      'one warning: the deadline was within 24 h; none for the later deadlines',
    );
  });

  it('warns 24 h and 1 h ahead, once each, even across restarts; then deletes', async () => {
    await store.create(project('term', { maxClusterLifetime: '72h' }));
    await store.create(template('term', 't1'));
    await store.create(cluster('term', 'demo'));
    const deadline = later(72 * hour).toISOString();

    let result = await reconcile('term/demo');
    assert.equal(result.requeueAfter, 12 * hour, 'long waits are capped at 12 h');
    assert.equal(recorded.length, 0);

    now = later(47 * hour); // 25 h left
    result = await reconcile('term/demo');
    assert.equal(result.requeueAfter, hour, 'next: the 24 h warning');
    assert.equal(recorded.length, 0);

    now = later(48 * hour);
    result = await reconcile('term/demo');
    assert.equal(result.requeueAfter, 12 * hour, '23 h to the 1 h warning, capped');
    assert.deepEqual(
      recorded.map((e) => [e.type, e.reason]),
      [['Warning', 'ExpiringSoon']],
    );
    assert.match(
      recorded[0]?.message ?? '',
      /deleted in 24h, at .*project "term" maxClusterLifetime 72h/,
    );
    assert.equal(
      (await get('term'))?.metadata.annotations?.[expiryWarnedAnnotation],
      `24h@${deadline}`,
    );

    // A restarted controller (nothing in memory) does not warn again.
    now = later(50 * hour);
    await reconcile('term/demo');
    assert.equal(recorded.length, 1);

    now = later(71.5 * hour);
    result = await reconcile('term/demo');
    assert.equal(result.requeueAfter, 0.5 * hour, 'next: expiry');
    assert.equal(recorded.length, 2);
    assert.match(recorded[1]?.message ?? '', /deleted in 30m/);
    await reconcile('term/demo');
    assert.equal(recorded.length, 2, 'the 1 h warning is given once');

    now = later(72 * hour);
    assert.deepEqual(await reconcile('term/demo'), {});
    assert.deepEqual(recorded.at(-2)?.reason, 'Expired');
    assert.match(recorded.at(-2)?.message ?? '', /ended at .*deleting the cluster/);
    // The project keeps a trace: the cluster's own events are deleted with it.
    assert.deepEqual(
      [recorded.at(-1)?.name, recorded.at(-1)?.reason],
      ['term', 'Expired'],
      'an Expired event on the project',
    );
    assert.match(recorded.at(-1)?.message ?? '', /cluster "demo" deleted/);
    assert.equal(await get('term'), undefined, 'deleted (no finalizer here)');
  });

  it('a moved deadline gets its warnings again; a short lifetime gets only the 1 h one', async () => {
    await store.create(project('short', { maxClusterLifetime: '30m' }));
    await store.create(template('short', 't1'));
    await store.create(cluster('short', 'demo'));
    await reconcile('short/demo');
    assert.deepEqual(
      recorded.map((e) => e.reason),
      ['ExpiringSoon'],
    );
    assert.match(recorded[0]?.message ?? '', /deleted in 30m/);

    // The admin grants more time: the old warning does not count for the new deadline.
    const p = await store.get<Project>('Project', undefined, 'short');
    p.spec.maxClusterLifetime = '40m';
    await store.update(p);
    await reconcile('short/demo');
    assert.equal(recorded.length, 2);
    assert.match(recorded[1]?.message ?? '', /deleted in 40m/);
  });

  it('a template in slipway-system sets the lifetime of clusters that use it', async () => {
    await store.create(template('slipway-system', 'shared', { maxClusterLifetime: '2h' }));
    await store.create(cluster('free', 'demo', { template: 'shared' }));
    now = later(2 * hour + 1);
    await reconcile('free/demo');
    assert.deepEqual(
      recorded.map((e) => e.reason),
      ['Expired'],
    );
    assert.match(recorded[0]?.message ?? '', /template "shared" maxClusterLifetime 2h/);
    assert.equal(await get('free'), undefined);
  });
});
