// Test support for the CLI's command tests: a tiny in-memory stand-in for the API server
// on 127.0.0.1 (list/get/create/replace/delete, dry run, watch, discovery, /version).
// The real API server is tested end to end in test/.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiVersion, kindByPlural, kinds, type AnyResource } from '../api/index.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: AnyResource;
  plural: string;
}

export interface FakeApi {
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Watches from a resourceVersion below this get a 410 Gone ERROR event. */
  compactedRevision: number;
  /** Store or overwrite an object as a controller would (status included). */
  save(plural: string, object: AnyResource): AnyResource;
  get(plural: string, namespace: string | undefined, name: string): AnyResource | undefined;
  close(): Promise<void>;
}

const base = `/apis/${ApiVersion}`;

export async function startFakeApi(): Promise<FakeApi> {
  const objects = new Map<string, AnyResource>();
  const history: StoredEvent[] = [];
  const watchers = new Set<(event: StoredEvent) => void>();
  let revision = 1;
  const key = (plural: string, ns: string | undefined, name: string) =>
    `${plural}/${ns ?? ''}/${name}`;

  const record = (plural: string, type: StoredEvent['type'], object: AnyResource): AnyResource => {
    revision++;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(revision);
    const storeKey = key(plural, stored.metadata.namespace, stored.metadata.name);
    if (type === 'DELETED') objects.delete(storeKey);
    else objects.set(storeKey, stored);
    const event = { type, object: stored, plural };
    history.push(event);
    watchers.forEach((notify) => notify(event));
    return stored;
  };

  const fake: FakeApi = {
    url: '',
    token: 'test-token',
    requests: [],
    compactedRevision: 0,
    save(plural, object) {
      if (object.metadata.deletionTimestamp && !object.metadata.finalizers?.length) {
        return record(plural, 'DELETED', object);
      }
      const exists = objects.has(key(plural, object.metadata.namespace, object.metadata.name));
      return record(plural, exists ? 'MODIFIED' : 'ADDED', object);
    },
    get: (plural, ns, name) => objects.get(key(plural, ns, name)),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, status(500, String(err))));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    fake.requests.push({ method, path: url.pathname, query: url.searchParams });
    if (req.headers.authorization !== `Bearer ${fake.token}`) {
      return send(res, 401, status(401, 'Unauthorized'));
    }
    if (url.pathname === '/version') return send(res, 200, { version: 'v0.0.0-fake' });
    if (url.pathname === base) return send(res, 200, discovery());
    const match = /^\/apis\/[^/]+\/[^/]+(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    const kind = match ? kindByPlural(match[2] ?? '') : undefined;
    if (!match || !kind)
      return send(res, 404, status(404, `the server could not find ${url.pathname}`));
    const ns = match[1];
    const name = match[3] ? decodeURIComponent(match[3]) : undefined;
    const plural = kind.plural;
    const dryRun = url.searchParams.get('dryRun') === 'All';
    const body = method === 'POST' || method === 'PUT' ? await readJson(req) : undefined;
    const current = name ? objects.get(key(plural, ns, name)) : undefined;
    const notFound = () => send(res, 404, status(404, `${plural} "${name}" not found`));

    if (method === 'GET' && !name) {
      const nameFilter = /^metadata\.name=(.+)$/.exec(
        url.searchParams.get('fieldSelector') ?? '',
      )?.[1];
      const selected = (o: AnyResource) =>
        (!ns || o.metadata.namespace === ns) && (!nameFilter || o.metadata.name === nameFilter);
      if (url.searchParams.get('watch') === 'true') {
        return watch(res, plural, Number(url.searchParams.get('resourceVersion') ?? 0), selected);
      }
      const items = [...objects.entries()]
        .filter(([k, o]) => k.startsWith(`${plural}/`) && selected(o))
        .map(([, o]) => o);
      return send(res, 200, {
        kind: `${kind.kind}List`,
        metadata: { resourceVersion: String(revision) },
        items,
      });
    }
    if (method === 'GET') return current ? send(res, 200, current) : notFound();
    if (method === 'POST' && body) {
      if (objects.has(key(plural, ns, body.metadata.name))) {
        return send(
          res,
          409,
          status(409, `${plural} "${body.metadata.name}" already exists`, 'AlreadyExists'),
        );
      }
      const invalid = validate(body);
      if (invalid) return send(res, 422, invalid);
      const created: AnyResource = {
        ...body,
        metadata: {
          ...body.metadata,
          uid: `uid-${body.metadata.name}`,
          generation: 1,
          creationTimestamp: new Date().toISOString(),
        },
      };
      return send(res, 201, dryRun ? created : record(plural, 'ADDED', created));
    }
    if (method === 'PUT' && body) {
      if (!current) return notFound();
      if (body.metadata.resourceVersion !== current.metadata.resourceVersion) {
        return send(res, 409, status(409, 'the object has been modified', 'Conflict'));
      }
      const invalid = validate(body);
      if (invalid) return send(res, 422, invalid);
      const specChanged = JSON.stringify(body.spec) !== JSON.stringify(current.spec);
      const generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
      const updated: AnyResource = {
        ...body,
        status: current.status,
        metadata: { ...body.metadata, generation },
      };
      if (current.status === undefined) delete updated.status;
      return send(
        res,
        200,
        dryRun
          ? {
              ...updated,
              metadata: { ...updated.metadata, resourceVersion: current.metadata.resourceVersion },
            }
          : record(plural, 'MODIFIED', updated),
      );
    }
    if (method === 'DELETE') {
      if (!current) return notFound();
      if (current.metadata.finalizers?.length) {
        const marked = {
          ...current,
          metadata: { ...current.metadata, deletionTimestamp: new Date().toISOString() },
        };
        return send(res, 200, record(plural, 'MODIFIED', marked));
      }
      return send(res, 200, record(plural, 'DELETED', current));
    }
    return send(res, 405, status(405, `${method} is not allowed`));
  }

  function watch(
    res: ServerResponse,
    plural: string,
    from: number,
    selected: (o: AnyResource) => boolean,
  ): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (from < fake.compactedRevision) {
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: status(410, 'too old resource version', 'Expired') })}\n`,
      );
      return;
    }
    const write = (event: StoredEvent) => {
      if (
        event.plural === plural &&
        Number(event.object.metadata.resourceVersion) > from &&
        selected(event.object)
      ) {
        res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    };
    history.forEach(write);
    watchers.add(write);
    res.on('close', () => watchers.delete(write));
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** The one admission rule the tests need: workersNumber may not be negative. */
function validate(object: AnyResource): object | undefined {
  const config = (object.spec as { config?: { workersNumber?: number } } | undefined)?.config;
  if ((config?.workersNumber ?? 0) >= 0) return undefined;
  const cause = {
    field: 'spec.config.workersNumber',
    message: 'must be greater than or equal to 0',
  };
  return {
    ...status(422, `${object.kind} "${object.metadata.name}" is invalid`, 'Invalid'),
    details: { name: object.metadata.name, kind: object.kind, causes: [cause] },
  };
}

function discovery(): object {
  return {
    kind: 'APIResourceList',
    groupVersion: ApiVersion,
    resources: kinds.flatMap((k) => [
      {
        name: k.plural,
        singularName: k.singular,
        namespaced: k.namespaced,
        kind: k.kind,
        shortNames: k.shortNames,
      },
      ...(k.hasStatus
        ? [{ name: `${k.plural}/status`, namespaced: k.namespaced, kind: k.kind }]
        : []),
    ]),
  };
}

function status(code: number, message: string, reason?: string): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    code,
    ...(reason ? { reason } : {}),
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<AnyResource> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as AnyResource;
}
