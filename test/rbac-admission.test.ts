// Quotas, grants and project edits at admission, cross-project attempts by name, and
// watch streams that follow visibility — against a real API server and store.
import assert from 'node:assert/strict';
import { get as httpGet, type ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiVersion, SystemNamespace, type AnyResource } from '../src/api/index.ts';
import { overrideStore } from '../src/apiserver/test-support.ts';
import type { ListPageOptions } from '../src/store/types.ts';
import {
  base,
  fixture,
  project,
  startWorld,
  untilProjects,
  type WatchedEvent,
  type World,
} from './rbac-fixtures.ts';

const merge = 'application/merge-patch+json';
const cds = (ns: string) => `${base}/namespaces/${ns}/clusterdeployments`;

function cluster(name: string, namespace: string, config: Record<string, unknown> = {}) {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name, namespace },
    spec: { template: 'q-tmpl', credential: 'q-cred', config },
  };
}

function message(res: { body: string }): string {
  return String((JSON.parse(res.body) as { message?: unknown }).message);
}

/** A watch read event by event, over its own socket. */
function openWatch(world: World, user: string, path: string) {
  const events: WatchedEvent[] = [];
  let buffer = '';
  let request: ClientRequest | undefined;
  const opened = new Promise<number>((resolve, reject) => {
    request = httpGet(
      `${world.url}${path}?watch=true`,
      { agent: false, headers: { 'x-test-user': user } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
            events.push(JSON.parse(buffer.slice(0, i)) as WatchedEvent);
            buffer = buffer.slice(i + 1);
          }
        });
        resolve(res.statusCode ?? 0);
      },
    );
    request.on('error', reject);
  });
  return {
    opened,
    events,
    async until(check: (e: WatchedEvent[]) => boolean, what: string) {
      for (let i = 0; i < 300; i++) {
        if (check(events)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`watch never showed ${what}: ${JSON.stringify(events.map((e) => e.type))}`);
    },
    close: () => request?.destroy(),
  };
}

describe('admission for projects', () => {
  let world: World;
  const seed = async (object: AnyResource) => {
    const ns = object.metadata.namespace;
    const plural = {
      ClusterTemplate: 'clustertemplates',
      Credential: 'credentials',
      ServiceTemplate: 'servicetemplates',
    }[object.kind];
    const path = ns
      ? `${base}/namespaces/${ns}/${plural ?? ''}`
      : `${base}/${object.kind === 'Project' ? 'projects' : ''}`;
    const res = await world.call('admin', 'POST', path, object);
    assert.equal(res.statusCode, 201, res.body);
  };

  before(async () => {
    // Cluster lists take a while, so that concurrent creates really overlap in admission.
    world = await startWorld((store) =>
      overrideStore(store, {
        async list<T extends AnyResource>(kind: string, opts?: ListPageOptions) {
          // Read now, answered later: every create sees the same usage unless admission is serialised.
          const result = await store.list<T>(kind, opts);
          if (kind === 'ClusterDeployment') await delay(5);
          return result;
        },
      }),
    );
    const sized = (name: string, namespace: string) => {
      const t = fixture('ClusterTemplate', name, namespace);
      return {
        ...t,
        spec: {
          ...(t.spec as object),
          defaults: {
            controlPlaneNumber: 1,
            workersNumber: 1,
            machine: { vcpu: 2, memoryMiB: 1024, diskGiB: 10 },
          },
        },
      };
    };
    await seed(sized('q-tmpl', SystemNamespace));
    await seed(sized('other-tmpl', SystemNamespace));
    await seed(fixture('Credential', 'q-cred', SystemNamespace));
    await seed(fixture('Credential', 'other-cred', SystemNamespace));
    await seed(
      project('proj-q', {
        members: [
          { user: 'olga', role: 'owner' },
          { user: 'mark', role: 'member' },
        ],
        templates: ['q-tmpl'],
        credentials: ['q-cred'],
        quota: { machines: 6 },
        quotaLimit: { machines: 10, vcpu: 40 },
      }),
    );
    await seed(
      project('proj-r', {
        members: [{ user: 'mark', role: 'member' }],
        templates: ['*'],
        credentials: ['*'],
        quota: { clusters: 1, machines: 2, vcpu: 4 },
      }),
    );
    await seed(
      project('proj-b', {
        members: [{ user: 'bob', role: 'member' }],
        templates: ['*'],
        credentials: ['*'],
      }),
    );
    await seed(project('proj-s', { members: [{ user: 'mark', role: 'member' }] }));
    await untilProjects(world.app, () => world.app.projects.projects().length === 4);
  });
  after(() => world.close());

  describe('quota', () => {
    it('lets exactly as many concurrent creates through as fit, refusing the rest by name', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          world.call('mark', 'POST', cds('proj-q'), cluster(`c${i}`, 'proj-q')),
        ),
      );
      const codes = results.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [201, 201, 201, 403, 403, 403, 403, 403, 403, 403]);
      for (const refused of results.filter((r) => r.statusCode === 403)) {
        assert.match(
          message(refused),
          /^clusterdeployments "c\d" is forbidden: exceeded quota of project "proj-q": requested machines=2, used machines=6, limited machines=6$/,
        );
      }
      const stored = await world.store.list('ClusterDeployment', { namespace: 'proj-q' });
      assert.equal(stored.items.length, 3);
    });

    it('refuses a create over quota with the quota and the excess, storing nothing', async () => {
      const res = await world.call('mark', 'POST', cds('proj-q'), cluster('one-more', 'proj-q'));
      assert.equal(res.statusCode, 403);
      assert.equal(
        message(res),
        'clusterdeployments "one-more" is forbidden: exceeded quota of project "proj-q": requested machines=2, used machines=6, limited machines=6',
      );
      assert.equal((await world.call('admin', 'GET', `${cds('proj-q')}/one-more`)).statusCode, 404);
    });

    it('names every exceeded resource', async () => {
      const res = await world.call(
        'mark',
        'POST',
        cds('proj-r'),
        cluster('big', 'proj-r', { workersNumber: 3 }),
      );
      assert.equal(res.statusCode, 403);
      assert.equal(
        message(res),
        'clusterdeployments "big" is forbidden: exceeded quota of project "proj-r": requested machines=4,vcpu=8, used machines=0,vcpu=0, limited machines=2,vcpu=4',
      );
    });

    it('refuses scaling up over quota and allows scaling down', async () => {
      const stored = await world.store.list('ClusterDeployment', { namespace: 'proj-q' });
      const name = stored.items[0]?.metadata.name ?? '';
      const up = await world.call(
        'mark',
        'PATCH',
        `${cds('proj-q')}/${name}`,
        {
          spec: { config: { workersNumber: 3 } },
        },
        merge,
      );
      assert.equal(up.statusCode, 403);
      assert.equal(
        message(up),
        `clusterdeployments "${name}" is forbidden: exceeded quota of project "proj-q": requested machines=4, used machines=4, limited machines=6`,
      );
      const cd = await world.store.get<
        AnyResource & { spec: { config?: { workersNumber?: number } } }
      >('ClusterDeployment', 'proj-q', name);
      assert.equal(cd.spec.config?.workersNumber, undefined, 'the refused scale changed nothing');
      const down = await world.call(
        'mark',
        'PATCH',
        `${cds('proj-q')}/${name}`,
        {
          spec: { config: { workersNumber: 0 } },
        },
        merge,
      );
      assert.equal(down.statusCode, 200, down.body);
      // One machine freed: a cluster of 2 still does not fit (5 + 2 > 6), a scale by one does.
      const other = stored.items[1]?.metadata.name ?? '';
      const plusOne = await world.call(
        'mark',
        'PATCH',
        `${cds('proj-q')}/${other}`,
        {
          spec: { config: { workersNumber: 2 } },
        },
        merge,
      );
      assert.equal(plusOne.statusCode, 200, plusOne.body);
    });

    it('counts a lowered quota against growth only, never against shrinking', async () => {
      const lowered = await world.call(
        'admin',
        'PATCH',
        `${base}/projects/proj-q`,
        {
          spec: { quota: { machines: 2 } },
        },
        merge,
      );
      assert.equal(lowered.statusCode, 200, lowered.body);
      const stored = await world.store.list('ClusterDeployment', { namespace: 'proj-q' });
      const name = stored.items[1]?.metadata.name ?? '';
      const shrink = await world.call(
        'mark',
        'PATCH',
        `${cds('proj-q')}/${name}`,
        {
          spec: { config: { workersNumber: 1 } },
        },
        merge,
      );
      assert.equal(shrink.statusCode, 200, shrink.body);
      const relabel = await world.call(
        'mark',
        'PATCH',
        `${cds('proj-q')}/${name}`,
        {
          metadata: { labels: { team: 'x' } },
        },
        merge,
      );
      assert.equal(relabel.statusCode, 200, relabel.body);
      await world.call(
        'admin',
        'PATCH',
        `${base}/projects/proj-q`,
        { spec: { quota: { machines: 6 } } },
        merge,
      );
    });
  });

  describe('grants', () => {
    it('refuses a cluster on an ungranted template or credential, naming the field, admins included', async () => {
      for (const user of ['mark', 'admin']) {
        const tmpl = await world.call(user, 'POST', `${cds('proj-q')}?dryRun=All`, {
          ...cluster('g1', 'proj-q'),
          spec: { template: 'other-tmpl', credential: 'q-cred' },
        });
        assert.equal(tmpl.statusCode, 403, tmpl.body);
        assert.match(
          message(tmpl),
          /spec\.template: ClusterTemplate "other-tmpl" is not granted to project "proj-q"/,
        );
        const cred = await world.call(user, 'POST', `${cds('proj-q')}?dryRun=All`, {
          ...cluster('g2', 'proj-q'),
          spec: { template: 'q-tmpl', credential: 'other-cred' },
        });
        assert.equal(cred.statusCode, 403, cred.body);
        assert.match(message(cred), /spec\.credential: Credential "other-cred" is not granted/);
      }
    });

    it('always grants what lives in the project namespace, and "*" grants everything', async () => {
      // proj-s grants nothing: only what lives in its own namespace may be used.
      await seed(fixture('ClusterTemplate', 'own-tmpl', 'proj-s'));
      await seed(fixture('Credential', 'own-cred', 'proj-s'));
      const own = await world.call('mark', 'POST', `${cds('proj-s')}?dryRun=All`, {
        ...cluster('g3', 'proj-s'),
        spec: { template: 'own-tmpl', credential: 'own-cred' },
      });
      assert.equal(own.statusCode, 201, own.body);
      const global = await world.call('mark', 'POST', `${cds('proj-s')}?dryRun=All`, {
        ...cluster('g3', 'proj-s'),
        spec: { template: 'q-tmpl', credential: 'own-cred' },
      });
      assert.equal(global.statusCode, 403, global.body);
      const star = await world.call('mark', 'POST', `${cds('proj-r')}?dryRun=All`, {
        ...cluster('g4', 'proj-r', { workersNumber: 0, machine: { vcpu: 1 } }),
        spec: {
          template: 'other-tmpl',
          credential: 'other-cred',
          config: { workersNumber: 0, machine: { vcpu: 1 } },
        },
      });
      assert.equal(star.statusCode, 201, star.body);
    });

    it('refuses services from ungranted service templates, naming the entry', async () => {
      await seed({ ...fixture('ServiceTemplate', 'q-svc', SystemNamespace) });
      const res = await world.call('mark', 'POST', `${cds('proj-s')}?dryRun=All`, {
        ...cluster('g5', 'proj-s'),
        spec: {
          template: 'own-tmpl',
          credential: 'own-cred',
          services: [{ template: 'q-svc', name: 'monitoring' }],
        },
      });
      assert.equal(res.statusCode, 403, res.body);
      assert.match(
        message(res),
        /spec\.services\[0\]\.template: ServiceTemplate "q-svc" is not granted to project "proj-s"/,
      );
    });

    it('refuses switching a cluster to an ungranted template', async () => {
      const stored = await world.store.list('ClusterDeployment', { namespace: 'proj-q' });
      const name = stored.items[0]?.metadata.name ?? '';
      const res = await world.call(
        'mark',
        'PATCH',
        `${cds('proj-q')}/${name}`,
        {
          spec: { credential: 'other-cred' },
        },
        merge,
      );
      assert.equal(res.statusCode, 403, res.body);
      assert.match(message(res), /spec\.credential/);
    });
  });

  describe('project edits by owners', () => {
    const patchProject = (user: string, patch: unknown) =>
      world.call(user, 'PATCH', `${base}/projects/proj-q`, patch, merge);

    it('lets an owner change members, quota within quotaLimit, display name and description', async () => {
      const res = await patchProject('olga', {
        spec: {
          displayName: 'Q',
          description: 'quota tests',
          quota: { machines: 8, vcpu: 40 },
          members: [
            { user: 'olga', role: 'owner' },
            { user: 'mark', role: 'member' },
            { user: 'vera', role: 'viewer' },
          ],
        },
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    it('refuses a quota above quotaLimit, naming the field', async () => {
      const res = await patchProject('olga', { spec: { quota: { machines: 11 } } });
      assert.equal(res.statusCode, 403);
      assert.match(
        message(res),
        /spec\.quota\.machines: must not exceed spec\.quotaLimit\.machines \(10\)/,
      );
    });

    it('refuses the fields only admins set, naming each', async () => {
      for (const [patch, field] of [
        [{ spec: { templates: ['*'] } }, 'spec.templates'],
        [{ spec: { credentials: ['other-cred'] } }, 'spec.credentials'],
        [{ spec: { quotaLimit: { machines: 100 } } }, 'spec.quotaLimit'],
        [{ spec: { maxClusterLifetime: '1h' } }, 'spec.maxClusterLifetime'],
        [{ metadata: { labels: { a: 'b' } } }, 'metadata.labels'],
      ] as const) {
        const res = await patchProject('olga', patch);
        assert.equal(res.statusCode, 403, `${field}: ${res.body}`);
        assert.ok(
          message(res).includes(`${field}: only administrators may change it`),
          message(res),
        );
      }
      const admin = await patchProject('admin', { spec: { templates: ['q-tmpl', 'other-tmpl'] } });
      assert.equal(admin.statusCode, 200, admin.body);
    });

    it('refuses members and viewers, and deletes by owners', async () => {
      assert.equal((await patchProject('mark', { spec: { displayName: 'x' } })).statusCode, 403);
      assert.equal((await patchProject('vera', { spec: { displayName: 'x' } })).statusCode, 403);
      const del = await world.call('olga', 'DELETE', `${base}/projects/proj-q?dryRun=All`);
      assert.equal(del.statusCode, 403);
    });
  });

  describe('cross-project attempts by name', () => {
    it('get, list, watch, patch and delete of another project’s cluster are all refused', async () => {
      const stored = await world.store.list('ClusterDeployment', { namespace: 'proj-q' });
      const name = stored.items[0]?.metadata.name ?? '';
      const before = stored.items[0]?.metadata.resourceVersion;
      const path = `${cds('proj-q')}/${name}`;
      for (const user of ['bob', 'nina']) {
        assert.equal((await world.call(user, 'GET', path)).statusCode, 403);
        assert.equal((await world.call(user, 'GET', `${path}/kubeconfig`)).statusCode, 403);
        assert.equal((await world.call(user, 'GET', cds('proj-q'))).statusCode, 403);
        assert.equal((await world.watch(user, cds('proj-q'))).status, 403);
        assert.equal((await world.watch(user, path)).status, 403);
        const patched = await world.call(user, 'PATCH', path, { spec: { paused: true } }, merge);
        assert.equal(patched.statusCode, 403);
        assert.equal((await world.call(user, 'DELETE', path)).statusCode, 403);
        const all = await world.call(user, 'GET', `${base}/clusterdeployments`);
        const listed = all.json<{ items: AnyResource[] }>().items;
        assert.ok(listed.every((o) => o.metadata.namespace !== 'proj-q'));
      }
      const after = await world.store.get('ClusterDeployment', 'proj-q', name);
      assert.equal(after.metadata.resourceVersion, before, 'nothing changed');
    });
  });

  describe('watch streams follow visibility', () => {
    it('sends only the caller’s clusters, and a DELETED without content when a project hides itself', async () => {
      const clusters = openWatch(world, 'mark', `${base}/clusterdeployments`);
      const projects = openWatch(world, 'mark', `${base}/projects`);
      assert.equal(await clusters.opened, 200);
      assert.equal(await projects.opened, 200);
      await projects.until((e) => e.length === 3, 'the three projects of mark');
      await clusters.until((e) => e.length >= 3, 'the clusters of mark');
      const initial = clusters.events.length;

      const inB = await world.call('admin', 'POST', cds('proj-b'), {
        ...cluster('theirs', 'proj-b'),
        spec: { template: 'q-tmpl', credential: 'q-cred' },
      });
      assert.equal(inB.statusCode, 201, inB.body);
      const inR = await world.call(
        'mark',
        'POST',
        cds('proj-r'),
        cluster('mine', 'proj-r', { workersNumber: 0 }),
      );
      assert.equal(inR.statusCode, 201, inR.body);
      await clusters.until((e) => e.some((x) => x.object.metadata.name === 'mine'), 'mine');
      assert.ok(
        clusters.events.slice(initial).every((e) => e.object.metadata.namespace !== 'proj-b'),
        'no event of another project',
      );

      const removed = await world.call(
        'admin',
        'PATCH',
        `${base}/projects/proj-r`,
        { spec: { members: [] } },
        merge,
      );
      assert.equal(removed.statusCode, 200, removed.body);
      await projects.until(
        (e) => e.some((x) => x.type === 'DELETED' && x.object.metadata.name === 'proj-r'),
        'proj-r going away',
      );
      const gone = projects.events.find((x) => x.type === 'DELETED');
      assert.equal(gone?.object.spec, undefined, 'no content of a project mark left');
      clusters.close();
      projects.close();
    });
  });
});
