// The world the RBAC tests run in: a real API server (buildApiServer) on the real SQLite
// store in a temporary directory, callers picked by an `x-test-user` header, two projects
// with members of every role, and one object of every kind in each project's namespace.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { ApiVersion, SecretTypes, SystemNamespace, type AnyResource } from '../src/api/index.ts';
import { AdminGroup, AuthenticatedGroup, type UserInfo } from '../src/apiserver/authn.ts';
import { buildApiServer } from '../src/apiserver/server.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';

export const base = `/apis/${ApiVersion}`;

/** Every caller of the tests, by the name the `x-test-user` header carries. */
export const users: Record<string, UserInfo> = {
  admin: { username: 'admin', groups: [AdminGroup, AuthenticatedGroup] },
  olga: { username: 'olga', groups: [AuthenticatedGroup] }, // owner of proj-a
  mark: { username: 'mark', groups: [AuthenticatedGroup] }, // member of proj-a
  vera: { username: 'vera', groups: [AuthenticatedGroup] }, // viewer of proj-a
  gus: { username: 'gus', groups: [AuthenticatedGroup, 'team-a-devs'] }, // member of proj-a by group
  bob: { username: 'bob', groups: [AuthenticatedGroup] }, // member of proj-b
  nina: { username: 'nina', groups: [AuthenticatedGroup] }, // in no project
};

export interface World {
  app: FastifyInstance;
  store: Store;
  url: string;
  call(
    user: string,
    method: HTTPMethods,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<LightMyRequestResponse>;
  /** Status and the events a watch sends before it goes quiet for 150 ms. */
  watch(user: string, path: string): Promise<{ status: number; events: WatchedEvent[] }>;
  close(): Promise<void>;
}

export interface WatchedEvent {
  type: string;
  object: AnyResource;
}

/** `wrapStore` lets a test slow the store down (e.g. to make requests overlap). */
export async function startWorld(wrapStore?: (store: Store) => Store): Promise<World> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-rbac-'));
  const store = await openSqliteStore({ dataDir });
  const app = await buildApiServer({
    store: wrapStore ? wrapStore(store) : store,
    authenticate: (req) => {
      const name = req.headers['x-test-user'];
      return Promise.resolve(typeof name === 'string' ? users[name] : undefined);
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    store,
    url,
    call(user, method, path, body, contentType) {
      const headers: Record<string, string> = { 'x-test-user': user };
      if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
      return app.inject({
        method,
        url: path,
        headers,
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    },
    async watch(user, path) {
      const sep = path.includes('?') ? '&' : '?';
      // node:http without an agent: the socket is this request's alone, and destroying it
      // leaves nothing for app.close() to wait on.
      const { status, text } = await new Promise<{ status: number; text: string }>(
        (resolve, reject) => {
          const req = httpGet(
            `${url}${path}${sep}watch=true&timeoutSeconds=5`,
            { agent: false, headers: { 'x-test-user': user } },
            (res) => {
              let body = '';
              let quiet: NodeJS.Timeout | undefined;
              const finish = () => {
                clearTimeout(quiet);
                req.destroy();
                resolve({ status: res.statusCode ?? 0, text: body });
              };
              // The initial ADDED events come at once; the stream is then quiet until a change.
              const wait = () => {
                clearTimeout(quiet);
                quiet = setTimeout(finish, 150);
              };
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                body += chunk;
                wait();
              });
              res.on('end', finish);
              wait();
            },
          );
          req.on('error', reject);
        },
      );
      if (status !== 200) return { status, events: [] };
      const events = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as WatchedEvent);
      return { status, events };
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `namespace/name` of an object (namespace empty for cluster-scoped ones). */
export function keyOf(object: AnyResource): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

export function names(objects: readonly AnyResource[]): string[] {
  return objects.map(keyOf).sort();
}

/** Wait until the server's project index shows `check` true (it follows a store watch). */
export async function untilProjects(app: FastifyInstance, check: () => boolean): Promise<void> {
  await app.projects.ready();
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await delay(10);
  }
  assert.fail('the project index did not catch up');
}

export function project(name: string, spec: Record<string, unknown>): AnyResource {
  return { apiVersion: ApiVersion, kind: 'Project', metadata: { name }, spec };
}

export const projectA = project('proj-a', {
  displayName: 'Project A',
  members: [
    { user: 'olga', role: 'owner' },
    { user: 'mark', role: 'member' },
    { user: 'vera', role: 'viewer' },
    { group: 'team-a-devs', role: 'member' },
  ],
  templates: ['granted-tmpl'],
  credentials: ['granted-cred'],
  serviceTemplates: ['granted-svc'],
  quotaLimit: { clusters: 10, machines: 40 },
});

export const projectB = project('proj-b', {
  members: [{ user: 'bob', role: 'member' }],
  templates: ['hidden-tmpl'],
  credentials: ['hidden-cred'],
  serviceTemplates: ['hidden-svc'],
});

/** A valid object of `kind` named `name` in `namespace` (undefined for cluster-scoped kinds). */
export function fixture(kind: string, name: string, namespace?: string): AnyResource {
  const metadata = namespace !== undefined ? { name, namespace } : { name };
  const object = (rest: Record<string, unknown>): AnyResource => ({
    apiVersion: ApiVersion,
    kind,
    metadata,
    ...rest,
  });
  const granted = namespace === 'proj-b' ? 'hidden' : 'granted';
  switch (kind) {
    case 'ClusterDeployment':
      return object({
        spec: {
          template: `${granted}-tmpl`,
          credential: `${granted}-cred`,
          config: { workersNumber: 1 },
        },
      });
    case 'Machine':
      return object({ spec: { clusterName: 'c', role: 'worker', version: 'v1.31.4+k3s1' } });
    case 'Event':
      return object({
        involvedObject: { kind: 'ClusterDeployment', name: 'c' },
        type: 'Normal',
        reason: 'Tested',
        message: 'a test event',
      });
    case 'IPAddress':
      return object({ spec: { poolRef: { name: 'pool-1' }, address: '10.0.0.11', prefix: 24 } });
    case 'Secret':
      return object({ type: SecretTypes.Opaque, stringData: { key: 'value' } });
    case 'ClusterTemplate':
      return object({
        spec: {
          provider: 'sim',
          distribution: { name: 'k3s', version: 'v1.31.4+k3s1' },
          defaults: { controlPlaneNumber: 1, workersNumber: 1, machine: { vcpu: 2 } },
        },
      });
    case 'Credential':
      return object({ spec: { provider: 'sim' } });
    case 'ServiceTemplate':
      return object({ spec: { manifests: 'apiVersion: v1\nkind: ConfigMap\n' } });
    case 'Project':
      return project(name, { members: [] });
    case 'User':
      return object({ spec: { displayName: name } });
    case 'APIToken':
      return object({ spec: { user: name.replace(/^tok-/, '') } });
    case 'IPPool':
      return object({ spec: { addresses: ['10.0.0.10-10.0.0.20'], prefix: 24 } });
    case 'MultiClusterService':
      return object({
        spec: {
          clusterSelector: { matchLabels: { env: 'test' } },
          services: [{ template: 'granted-svc', name: 'svc' }],
        },
      });
    default:
      throw new Error(`no fixture for ${kind}`);
  }
}

export const projectNamespaces = ['proj-a', 'proj-b'] as const;

export const namespacedKinds = [
  { kind: 'ClusterDeployment', plural: 'clusterdeployments' },
  { kind: 'Machine', plural: 'machines' },
  { kind: 'Event', plural: 'events' },
  { kind: 'IPAddress', plural: 'ipaddresses' },
  { kind: 'Secret', plural: 'secrets' },
  { kind: 'ClusterTemplate', plural: 'clustertemplates' },
  { kind: 'Credential', plural: 'credentials' },
  { kind: 'ServiceTemplate', plural: 'servicetemplates' },
] as const;

/** Name of the fixture of `kind` in `namespace`. */
export function fixtureName(kind: string, namespace: string): string {
  return `${kind.toLowerCase()}-${namespace}`;
}

async function seed(world: World, object: AnyResource): Promise<void> {
  const namespace = object.metadata.namespace;
  const plural = pluralOf(object.kind);
  const path = namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
  const res = await world.call('admin', 'POST', path, object);
  assert.equal(res.statusCode, 201, `seeding ${keyOf(object)}: ${res.body}`);
}

export function pluralOf(kind: string): string {
  const known: Record<string, string> = {
    IPAddress: 'ipaddresses',
    IPPool: 'ippools',
    APIToken: 'apitokens',
    MultiClusterService: 'multiclusterservices',
  };
  return known[kind] ?? `${kind.toLowerCase()}s`;
}

/** Internal Secrets (identity data) written straight to the store, as src/identity does. */
export const internalSecrets = [
  { namespace: SystemNamespace, name: 'session-0123', type: SecretTypes.Session },
  { namespace: 'proj-a', name: 'user-x-password', type: SecretTypes.PasswordHash },
];

/**
 * Projects, every namespaced kind in both project namespaces, granted and ungranted
 * templates in slipway-system, cluster-scoped objects, internal Secrets, and a
 * kubeconfig for each project's cluster.
 */
export async function seedWorld(world: World): Promise<void> {
  await seed(world, projectA);
  await seed(world, projectB);
  await seed(world, fixture('IPPool', 'pool-1'));
  for (const prefix of ['granted', 'hidden']) {
    await seed(world, fixture('ClusterTemplate', `${prefix}-tmpl`, SystemNamespace));
    await seed(world, fixture('Credential', `${prefix}-cred`, SystemNamespace));
    await seed(world, fixture('ServiceTemplate', `${prefix}-svc`, SystemNamespace));
  }
  for (const namespace of projectNamespaces) {
    for (const { kind } of namespacedKinds) {
      await seed(world, fixture(kind, fixtureName(kind, namespace), namespace));
    }
    await giveKubeconfig(world, namespace, fixtureName('ClusterDeployment', namespace));
  }
  await seed(world, fixture('MultiClusterService', 'mcs-1'));
  // Users and tokens straight to the store: their creation belongs to src/identity.
  for (const name of ['olga', 'mark', 'bob']) await world.store.create(fixture('User', name));
  for (const name of ['tok-mark', 'tok-bob']) await world.store.create(fixture('APIToken', name));
  for (const secret of internalSecrets) {
    await world.store.create({
      apiVersion: ApiVersion,
      kind: 'Secret',
      metadata: { name: secret.name, namespace: secret.namespace },
      type: secret.type,
      data: { hash: Buffer.from('not for anyone').toString('base64') },
    });
  }
  await untilProjects(world.app, () => world.app.projects.projects().length >= 2);
}

/** A kubeconfig Secret owned by the cluster and named in its status, as the controller writes it. */
async function giveKubeconfig(world: World, namespace: string, cluster: string): Promise<void> {
  const cd = await world.store.get('ClusterDeployment', namespace, cluster);
  const secretName = `${cluster}-kubeconfig`;
  await world.store.create({
    apiVersion: ApiVersion,
    kind: 'Secret',
    metadata: {
      name: secretName,
      namespace,
      ownerReferences: [
        {
          apiVersion: ApiVersion,
          kind: 'ClusterDeployment',
          name: cluster,
          uid: cd.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    type: SecretTypes.Kubeconfig,
    data: { value: Buffer.from('apiVersion: v1\nkind: Config\n').toString('base64') },
  });
  await world.store.updateStatus({ ...cd, status: { kubeconfigSecret: secretName } });
}
