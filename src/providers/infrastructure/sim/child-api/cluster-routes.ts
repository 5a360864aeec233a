// One simulated cluster's API, below its path prefix: health, version, discovery, and
// resource requests (object-routes.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathNotFound, sendJson, sendText } from './http.ts';
import { handleObjectRequest, parseResourcePath } from './object-routes.ts';
import type { PersistentSimClusterRegistry } from './registry.ts';
import { ResourceCatalog, apiGroupDocument, apiGroupList, apiResourceList } from './resources.ts';
import type { WatchRegistry } from './watch-route.ts';

export interface ClusterRequest {
  registry: PersistentSimClusterRegistry;
  clusterId: string;
  req: IncomingMessage;
  res: ServerResponse;
  /** The request body, read before dispatch (empty for GET). */
  body: Buffer;
  /** Path below the cluster's prefix, starting with '/'. */
  path: string;
  query: URLSearchParams;
  /** `host:port` clients reach the listener at, for APIVersions. */
  serverAddress: string;
  now: () => Date;
  watches: WatchRegistry;
}

/** Paths K3s answers without credentials. */
export function isUnauthenticatedPath(path: string): boolean {
  return path === '/ping' || path === '/cacerts';
}

const healthChecks = [
  'ping',
  'log',
  'etcd',
  'informer-sync',
  'poststarthook/start-apiserver-admission-initializer',
];

function health(res: ServerResponse, query: URLSearchParams, name: string): void {
  if (!query.has('verbose')) {
    sendText(res, 200, 'ok');
    return;
  }
  const lines = healthChecks.map((check) => `[+]${check} ok`);
  sendText(res, 200, `${lines.join('\n')}\n${name} check passed\n`);
}

/** `/version` of a K3s API server: `v1.31.4+k3s1` → major 1, minor 31. */
export function versionInfo(gitVersion: string) {
  const match = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: match?.[1] ?? '0',
    minor: match?.[2] ?? '0',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function catalogOf(request: ClusterRequest): ResourceCatalog {
  const crds = request.registry.listObjects(
    request.clusterId,
    'apiextensions.k8s.io',
    'CustomResourceDefinition',
  );
  return new ResourceCatalog(crds, request.registry.learnedResources(request.clusterId));
}

export function handleClusterRequest(request: ClusterRequest): void {
  const { registry, clusterId, res, path, query } = request;
  const method = request.req.method ?? 'GET';
  switch (path) {
    case '/ping':
      sendText(res, 200, 'pong');
      return;
    case '/cacerts':
      // The server CA exactly as stored: K3s join tokens hash these bytes.
      sendText(res, 200, registry.getCluster(clusterId)?.serverCA.cert ?? '');
      return;
    case '/readyz':
    case '/livez':
    case '/healthz':
      health(res, query, path.slice(1));
      return;
    case '/version':
      sendJson(res, 200, versionInfo(registry.serverVersion(clusterId)));
      return;
    case '/api':
      sendJson(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: request.serverAddress },
        ],
      });
      return;
    case '/apis':
      sendJson(res, 200, apiGroupList(catalogOf(request)));
      return;
  }
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    [group, version, rest] = ['', 'v1', segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 2) {
    const catalog = catalogOf(request);
    if (segments.length === 2) {
      const doc = apiGroupDocument(catalog, segments[1] ?? '');
      if (!doc) throw pathNotFound();
      sendJson(res, 200, doc);
      return;
    }
    [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  } else {
    throw pathNotFound();
  }
  const catalog = catalogOf(request);
  if (rest.length === 0) {
    const list = apiResourceList(catalog, group, version);
    if (list.resources.length === 0) throw pathNotFound();
    sendJson(res, 200, list);
    return;
  }
  const resourcePath = parseResourcePath(group, version, rest);
  if (!resourcePath) throw pathNotFound();
  let info = catalog.find(group, version, resourcePath.plural);
  if (!info && method === 'POST' && resourcePath.name === undefined) {
    // A kind nobody declared: learn its plural from the first object written to it.
    info = learnFromCreate(
      request,
      group,
      version,
      resourcePath.plural,
      resourcePath.namespace !== undefined,
    );
  }
  if (!info) throw pathNotFound();
  handleObjectRequest({ ...request, catalog, path: resourcePath }, info);
}

function learnFromCreate(
  request: ClusterRequest,
  group: string,
  version: string,
  plural: string,
  namespaced: boolean,
) {
  let kind: unknown;
  try {
    kind = (JSON.parse(request.body.toString('utf8')) as { kind?: unknown }).kind;
  } catch {
    return undefined;
  }
  if (typeof kind !== 'string' || kind === '') return undefined;
  const learned = { group, version, plural, kind, namespaced };
  request.registry.learnResource(request.clusterId, learned);
  return { ...learned, singular: kind.toLowerCase() };
}
