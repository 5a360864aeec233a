// Discovery, health, version and OpenAPI: what clients read to learn what the server
// serves. Everything here is computed once; health and version need no credentials.
import type { FastifyInstance } from 'fastify';
import {
  Group,
  SlipwayError,
  StatusReason,
  Version,
  type KindDefinition,
} from '../../api/index.ts';
import type { Store } from '../../store/types.ts';
import { buildOpenApiDocument, openApiIndex } from '../openapi.ts';
import { failureStatus } from '../status.ts';
import { apiBase, servesKubeconfig } from './target.ts';

export interface VersionInfo {
  version: string;
  gitCommit?: string;
}

export interface DiscoveryDeps {
  store: Store;
  kinds: readonly KindDefinition[];
  version: VersionInfo;
  /** Whether this replica runs the controllers; shown by `/readyz?verbose`. */
  leading?: () => boolean;
}

const groupVersion = { groupVersion: `${Group}/${Version}`, version: Version };

const group = { name: Group, versions: [groupVersion], preferredVersion: groupVersion };

export function apiGroup() {
  return { kind: 'APIGroup', apiVersion: 'v1', ...group };
}

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function apiResourceList(kinds: readonly KindDefinition[]) {
  const resources: unknown[] = [];
  for (const kind of kinds) {
    resources.push({
      name: kind.plural,
      singularName: kind.singular,
      namespaced: kind.namespaced,
      kind: kind.kind,
      verbs,
      shortNames: [...kind.shortNames],
      categories: ['all', 'slipway'],
    });
    if (kind.hasStatus) {
      resources.push({
        name: `${kind.plural}/status`,
        singularName: '',
        namespaced: kind.namespaced,
        kind: kind.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (servesKubeconfig(kind)) {
      resources.push({
        name: `${kind.plural}/kubeconfig`,
        singularName: '',
        namespaced: kind.namespaced,
        kind: kind.kind,
        verbs: ['get'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${Group}/${Version}`,
    resources,
  };
}

/** Routes marked public answer without credentials (Kubernetes' system:public-info-viewer). */
const publicRoute = { config: { public: true } };

export function registerDiscoveryRoutes(app: FastifyInstance, deps: DiscoveryDeps): void {
  const groupList = { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] };
  const resourceList = apiResourceList(deps.kinds);
  const document = buildOpenApiDocument(deps.kinds, deps.version.version);
  const index = openApiIndex(document);
  const versionBody = {
    version: deps.version.version,
    ...(deps.version.gitCommit !== undefined ? { gitCommit: deps.version.gitCommit } : {}),
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch}`,
  };

  app.get('/apis', () => groupList);
  app.get(`/apis/${Group}`, () => apiGroup());
  app.get(apiBase, () => resourceList);
  app.get('/openapi/v3', () => index);
  app.get(`/openapi/v3/apis/${Group}/${Version}`, () => document);

  app.get('/healthz', publicRoute, (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/livez', publicRoute, (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/version', publicRoute, () => versionBody);
  app.get('/readyz', publicRoute, async (req, reply) => {
    try {
      await deps.store.currentRevision();
    } catch (err: unknown) {
      req.log.warn({ err }, 'readiness check: store unavailable');
      const status = failureStatus(
        new SlipwayError(StatusReason.ServiceUnavailable, 'the store is not available'),
      );
      return reply.code(503).send(status);
    }
    const query = req.query as Record<string, unknown> | undefined;
    if (query?.['verbose'] === undefined) return reply.type('text/plain').send('ok');
    // As kube-apiserver's /readyz?verbose: one line per check. Leadership is reported,
    // not checked: every replica serves the API, only the leader runs the controllers.
    const lines = ['[+]store ok'];
    if (deps.leading) {
      lines.push(
        deps.leading()
          ? '[+]leader: this replica runs the controllers'
          : '[+]leader: standby (another replica runs the controllers, or none yet)',
      );
    }
    return reply.type('text/plain').send(`${lines.join('\n')}\nreadyz check passed\n`);
  });
}
