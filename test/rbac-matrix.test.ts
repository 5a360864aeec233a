// The RBAC matrix: every caller (admin, owner / member / viewer of proj-a, a member by
// group, a member of proj-b, someone in no project) × every verb × every kind × own and
// other project, against a real API server. Writes are dry runs, so every cell sees the
// same objects. The expectations are written out here, apart from the implementation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods } from 'fastify';
import { SystemNamespace, type AnyResource } from '../src/api/index.ts';
import {
  base,
  fixture,
  fixtureName,
  internalSecrets,
  keyOf,
  names,
  namespacedKinds,
  projectNamespaces,
  seedWorld,
  startWorld,
  users,
  type World,
} from './rbac-fixtures.ts';

type Role = 'admin' | 'owner' | 'member' | 'viewer' | undefined;
type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'kubeconfig';
const verbs: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** Each caller's role in each project namespace, as the fixtures set them up. */
const roles: Record<string, Record<string, Role>> = {
  admin: { 'proj-a': 'admin', 'proj-b': 'admin' },
  olga: { 'proj-a': 'owner' },
  mark: { 'proj-a': 'member' },
  vera: { 'proj-a': 'viewer' },
  gus: { 'proj-a': 'member' },
  bob: { 'proj-b': 'member' },
  nina: {},
};

const read = new Set<Verb>(['get', 'list', 'watch']);

/** Whether `role` may do `verb` to a namespaced `kind` in its project (the table). */
function allowedNamespaced(role: Role, kind: string, verb: Verb): boolean {
  if (role === 'admin') return true;
  if (role === undefined || kind === 'Secret') return false;
  if (kind === 'ClusterDeployment') {
    if (role === 'viewer') return read.has(verb);
    return true; // member and owner: all verbs and kubeconfig
  }
  return read.has(verb);
}

const dryRun = '?dryRun=All';

async function request(
  world: World,
  user: string,
  verb: Verb,
  collection: string,
  name: string,
  object: AnyResource,
  newObject: AnyResource,
  patch: unknown,
): Promise<number> {
  const call = (method: HTTPMethods, path: string, body?: unknown, type?: string) =>
    world.call(user, method, path, body, type).then((res) => res.statusCode);
  switch (verb) {
    case 'get':
      return call('GET', `${collection}/${name}`);
    case 'list':
      return call('GET', collection);
    case 'watch':
      return (await world.watch(user, collection)).status;
    case 'create':
      return call('POST', `${collection}${dryRun}`, newObject);
    case 'update':
      return call('PUT', `${collection}/${name}${dryRun}`, object);
    case 'patch':
      return call('PATCH', `${collection}/${name}${dryRun}`, patch, 'application/merge-patch+json');
    case 'delete':
      return call('DELETE', `${collection}/${name}${dryRun}`);
    case 'kubeconfig':
      return call('GET', `${collection}/${name}/kubeconfig`);
  }
}

const success: Record<Verb, number[]> = {
  get: [200],
  list: [200],
  watch: [200],
  create: [201],
  update: [200],
  patch: [200],
  delete: [200, 202],
  kubeconfig: [200],
};

function check(code: number, allowed: boolean, verb: Verb, cell: string, problems: string[]) {
  const ok = allowed ? success[verb].includes(code) : code === 403;
  if (!ok) problems.push(`${cell}: got ${code}, want ${allowed ? success[verb].join('|') : 403}`);
}

describe('RBAC matrix', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
    await seedWorld(world);
  });
  after(() => world.close());

  for (const user of Object.keys(users)) {
    describe(`as ${user}`, () => {
      for (const { kind, plural } of namespacedKinds) {
        it(`${kind}: every verb in own and other project`, async () => {
          const problems: string[] = [];
          for (const namespace of projectNamespaces) {
            const role = roles[user]?.[namespace];
            const scope = role === undefined ? 'other' : 'own';
            const name = fixtureName(kind, namespace);
            const collection = `${base}/namespaces/${namespace}/${plural}`;
            const object = await world.store.get(kind, namespace, name);
            const cellVerbs: Verb[] =
              kind === 'ClusterDeployment' ? [...verbs, 'kubeconfig'] : verbs;
            for (const verb of cellVerbs) {
              const code = await request(
                world,
                user,
                verb,
                collection,
                name,
                object,
                fixture(kind, `new-${name}`, namespace),
                { metadata: { labels: { touched: 'yes' } } },
              );
              const cell = `${user} ${verb} ${kind} in ${namespace} (${scope} project, ${role ?? 'no role'})`;
              check(code, allowedNamespaced(role, kind, verb), verb, cell, problems);
            }
          }
          assert.deepEqual(problems, []);
        });
      }

      it('lists and watches across namespaces show only what the caller may read', async () => {
        for (const { kind, plural } of namespacedKinds) {
          const res = await world.call(user, 'GET', `${base}/${plural}`);
          const watched = await world.watch(user, `${base}/${plural}`);
          if (user !== 'admin' && kind === 'Secret') {
            assert.equal(res.statusCode, 403, `${user} lists all secrets`);
            assert.equal(watched.status, 403, `${user} watches all secrets`);
            continue;
          }
          assert.equal(res.statusCode, 200, `${user} lists all ${plural}: ${res.body}`);
          const all = (await world.store.list(kind)).items.filter(
            (o) => !internalSecrets.some((s) => s.name === o.metadata.name),
          );
          const expected = all.filter((o) => {
            const ns = o.metadata.namespace ?? '';
            if (allowedNamespaced(roles[user]?.[ns], kind, 'list')) return true;
            return ns === SystemNamespace && grantedTo(user, o.metadata.name);
          });
          const listed = res.json<{ items: AnyResource[] }>().items;
          assert.deepEqual(names(listed), names(expected), `${user} lists all ${plural}`);
          assert.deepEqual(
            names(watched.events.map((e) => e.object)),
            names(expected),
            `${user} watches all ${plural}`,
          );
        }
      });

      it('lists and watches in a namespace show only that namespace, or are refused', async () => {
        for (const namespace of projectNamespaces) {
          const role = roles[user]?.[namespace];
          const res = await world.call(
            user,
            'GET',
            `${base}/namespaces/${namespace}/clusterdeployments`,
          );
          if (role === undefined) {
            assert.equal(res.statusCode, 403);
            continue;
          }
          const listed = res.json<{ items: AnyResource[] }>().items;
          assert.deepEqual(names(listed), [
            `${namespace}/${fixtureName('ClusterDeployment', namespace)}`,
          ]);
        }
      });
    });
  }

  /** Templates, credentials and service templates of slipway-system the caller's projects grant. */
  function grantedTo(user: string, name: string): boolean {
    const ownA = roles[user]?.['proj-a'] !== undefined;
    const ownB = roles[user]?.['proj-b'] !== undefined;
    if (user === 'admin') return true;
    return (ownA && name.startsWith('granted-')) || (ownB && name.startsWith('hidden-'));
  }

  describe('cluster-scoped kinds', () => {
    /** Expected allowed verbs per caller and object; anything else 403. */
    const cases: {
      plural: string;
      kind: string;
      objects: string[];
      allowed: (user: string, object: string, verb: Verb) => boolean;
      /** Whether the caller may list and watch the collection (filtered to `visible`). */
      listable: (user: string) => boolean;
      visible: (user: string) => string[];
      patch: unknown;
    }[] = [
      {
        plural: 'projects',
        listable: () => true,
        kind: 'Project',
        objects: ['proj-a', 'proj-b'],
        allowed: (user, object, verb) => {
          if (user === 'admin') return true;
          const role = roles[user]?.[object];
          if (verb === 'create') return false;
          if (role === undefined) return false;
          if (read.has(verb)) return true;
          return role === 'owner' && (verb === 'update' || verb === 'patch');
        },
        visible: (user) =>
          user === 'admin'
            ? ['proj-a', 'proj-b']
            : projectNamespaces.filter((p) => roles[user]?.[p] !== undefined),
        patch: { spec: { displayName: 'Renamed' } },
      },
      {
        plural: 'users',
        listable: () => true,
        kind: 'User',
        objects: ['mark', 'bob'],
        allowed: (user, object, verb) =>
          user === 'admin' || (user === object && verb !== 'create' && read.has(verb)),
        visible: (user) =>
          user === 'admin'
            ? ['bob', 'mark', 'olga']
            : ['olga', 'mark', 'bob'].filter((u) => u === user),
        patch: { spec: { displayName: 'Renamed' } },
      },
      {
        plural: 'apitokens',
        listable: () => true,
        kind: 'APIToken',
        objects: ['tok-mark', 'tok-bob'],
        allowed: (user, object, verb) =>
          user === 'admin' || verb === 'list' || verb === 'watch' || object === `tok-${user}`,
        visible: (user) =>
          user === 'admin'
            ? ['tok-bob', 'tok-mark']
            : [`tok-${user}`].filter((t) => t === 'tok-mark' || t === 'tok-bob'),
        patch: { spec: { description: 'changed' } },
      },
      {
        // Admins only: a pool's status lists every project's allocations.
        plural: 'ippools',
        listable: (user) => user === 'admin',
        kind: 'IPPool',
        objects: ['pool-1'],
        allowed: (user) => user === 'admin',
        visible: (user) => (user === 'admin' ? ['pool-1'] : []),
        patch: { metadata: { labels: { touched: 'yes' } } },
      },
      {
        plural: 'multiclusterservices',
        listable: (user) => user === 'admin',
        kind: 'MultiClusterService',
        objects: ['mcs-1'],
        allowed: (user) => user === 'admin',
        visible: (user) => (user === 'admin' ? ['mcs-1'] : []),
        patch: { metadata: { labels: { touched: 'yes' } } },
      },
    ];

    for (const c of cases) {
      it(`${c.kind}: every caller × verb × object`, async () => {
        const problems: string[] = [];
        for (const user of Object.keys(users)) {
          const collection = `${base}/${c.plural}`;
          for (const objectName of c.objects) {
            const object = await world.store.get(c.kind, undefined, objectName);
            // A token created for oneself (non-admins may create no other).
            const newName = c.kind === 'APIToken' ? `tok-${user}` : `new-${objectName}`;
            const created =
              c.kind === 'APIToken'
                ? { ...fixture(c.kind, newName), metadata: { name: `new-${user}` } }
                : fixture(c.kind, newName);
            for (const verb of verbs) {
              if ((verb === 'list' || verb === 'watch') && objectName !== c.objects[0]) continue;
              const code = await request(
                world,
                user,
                verb,
                collection,
                objectName,
                object,
                created,
                c.patch,
              );
              const allowed =
                verb === 'list' || verb === 'watch'
                  ? c.listable(user)
                  : verb === 'create' && c.kind === 'APIToken'
                    ? true
                    : c.allowed(user, objectName, verb);
              check(code, allowed, verb, `${user} ${verb} ${c.kind} ${objectName}`, problems);
            }
          }
          if (c.listable(user)) {
            const res = await world.call(user, 'GET', collection);
            const listed = res.json<{ items: AnyResource[] }>().items.map((o) => o.metadata.name);
            const watched = (await world.watch(user, collection)).events.map(
              (e) => e.object.metadata.name,
            );
            const expected = c.visible(user).sort();
            if (JSON.stringify(listed.sort()) !== JSON.stringify(expected))
              problems.push(
                `${user} lists ${c.plural}: ${listed.join(',')} want ${expected.join(',')}`,
              );
            if (JSON.stringify(watched.sort()) !== JSON.stringify(expected))
              problems.push(
                `${user} watches ${c.plural}: ${watched.join(',')} want ${expected.join(',')}`,
              );
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  });

  describe('grants in slipway-system', () => {
    it('members read the templates, credentials and service templates their project grants, nothing else', async () => {
      for (const plural of ['clustertemplates', 'credentials', 'servicetemplates']) {
        const collection = `${base}/namespaces/${SystemNamespace}/${plural}`;
        const kind = namespacedKinds.find((k) => k.plural === plural)?.kind ?? '';
        const suffix = kind === 'ClusterTemplate' ? 'tmpl' : kind === 'Credential' ? 'cred' : 'svc';
        for (const user of ['olga', 'mark', 'vera', 'gus', 'bob']) {
          const res = await world.call(user, 'GET', collection);
          assert.equal(res.statusCode, 200, `${user} lists ${plural} of slipway-system`);
          const own = user === 'bob' ? 'hidden' : 'granted';
          const other = user === 'bob' ? 'granted' : 'hidden';
          assert.deepEqual(names(res.json<{ items: AnyResource[] }>().items), [
            `${SystemNamespace}/${own}-${suffix}`,
          ]);
          const watched = await world.watch(user, collection);
          assert.deepEqual(names(watched.events.map((e) => e.object)), [
            `${SystemNamespace}/${own}-${suffix}`,
          ]);
          assert.equal(
            (await world.call(user, 'GET', `${collection}/${own}-${suffix}`)).statusCode,
            200,
          );
          assert.equal(
            (await world.call(user, 'GET', `${collection}/${other}-${suffix}`)).statusCode,
            403,
          );
          assert.equal(
            (await world.call(user, 'DELETE', `${collection}/${own}-${suffix}${dryRun}`))
              .statusCode,
            403,
          );
        }
        assert.equal((await world.call('nina', 'GET', collection)).statusCode, 403);
        assert.equal(
          (await world.call('nina', 'GET', `${collection}/granted-${suffix}`)).statusCode,
          403,
        );
      }
    });
  });

  describe('internal secrets', () => {
    it('are served to nobody, not even admins, and cannot be written through the API', async () => {
      for (const secret of internalSecrets) {
        const path = `${base}/namespaces/${secret.namespace}/secrets`;
        assert.equal((await world.call('admin', 'GET', `${path}/${secret.name}`)).statusCode, 404);
        const list = await world.call('admin', 'GET', path);
        assert.equal(list.statusCode, 200);
        const listed = list.json<{ items: AnyResource[] }>().items;
        assert.ok(
          listed.every((o) => o.metadata.name !== secret.name),
          `${secret.name} listed`,
        );
        const watched = await world.watch('admin', path);
        assert.ok(watched.events.every((e) => e.object.metadata.name !== secret.name));
        for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
          const body =
            method === 'DELETE' ? undefined : method === 'PUT' ? { ...secret } : { data: {} };
          const type = method === 'PATCH' ? 'application/merge-patch+json' : undefined;
          const res = await world.call('admin', method, `${path}/${secret.name}`, body, type);
          assert.equal(res.statusCode, 404, `${method} ${secret.name}: ${res.body}`);
        }
        const created = await world.call('admin', 'POST', path, {
          apiVersion: 'slipway.dev/v1alpha1',
          kind: 'Secret',
          metadata: { name: 'forged', namespace: secret.namespace },
          type: secret.type,
          stringData: { x: 'y' },
        });
        assert.equal(created.statusCode, 422, created.body);
        assert.match(created.body, /"field":"type"/);
        // Still there, untouched.
        await world.store.get('Secret', secret.namespace, secret.name);
      }
      const all = await world.call('admin', 'GET', `${base}/secrets`);
      const allNames = all.json<{ items: AnyResource[] }>().items.map(keyOf);
      for (const secret of internalSecrets)
        assert.ok(!allNames.includes(`${secret.namespace}/${secret.name}`));
    });
  });
});
