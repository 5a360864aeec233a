// Test support for the cluster commands: the fake API server (fake-api.test-support.ts)
// behind a small front that adds what those commands need — merge PATCH of
// ClusterDeployments with the upgrade-chain check, the kubeconfig subresource — and a
// few helpers that play the controller's part.
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterDeployment, Condition, Machine } from '../api/index.ts';
import type { CliIo } from './context.ts';
import { startFakeApi, type FakeApi } from './fake-api.test-support.ts';
import { runCli } from './main.ts';
import type { CliRun } from './run-cli.test-support.ts';

export interface RecordedPatch {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface ClusterFakeApi extends FakeApi {
  /** Every PATCH the front answered, in order. */
  patches: RecordedPatch[];
  /** Template → templates a cluster on it may switch to; other switches answer 422. */
  upgradeTargets: Record<string, string[]>;
  /** Whether GET …/clusterdeployments/NAME/kubeconfig exists (else 404, as on older servers). */
  kubeconfigSubresource: boolean;
}

const clusterPath =
  /^\/apis\/slipway\.dev\/v1alpha1\/namespaces\/([^/]+)\/clusterdeployments\/([^/]+)(\/kubeconfig)?$/;

export async function startClusterFakeApi(): Promise<ClusterFakeApi> {
  const inner = await startFakeApi();
  const front = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, status(500, String(err))));
  });
  const api: ClusterFakeApi = {
    url: '',
    token: inner.token,
    requests: inner.requests,
    get compactedRevision() {
      return inner.compactedRevision;
    },
    set compactedRevision(value: number) {
      inner.compactedRevision = value;
    },
    save: (plural, object) => inner.save(plural, object),
    get: (plural, namespace, name) => inner.get(plural, namespace, name),
    close: async () => {
      front.closeAllConnections();
      front.close();
      await once(front, 'close');
      await inner.close();
    },
    patches: [],
    upgradeTargets: {},
    kubeconfigSubresource: true,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const match = clusterPath.exec(url.pathname);
    const authorized = req.headers.authorization === `Bearer ${api.token}`;
    if (match && authorized && req.method === 'PATCH') {
      api.patches.push({
        path: url.pathname,
        contentType: req.headers['content-type'],
        body: JSON.parse(body) as unknown,
      });
      return patchCluster(res, match[1] ?? '', decodeURIComponent(match[2] ?? ''), body);
    }
    if (match?.[3] && authorized && req.method === 'GET' && api.kubeconfigSubresource) {
      return kubeconfig(res, match[1] ?? '', decodeURIComponent(match[2] ?? ''));
    }
    forward(req, res, body);
  }

  function patchCluster(res: ServerResponse, ns: string, name: string, body: string): void {
    const current = api.get('clusterdeployments', ns, name) as ClusterDeployment | undefined;
    if (!current) return send(res, 404, status(404, `clusterdeployments "${name}" not found`));
    const patched = mergePatch(current, JSON.parse(body)) as ClusterDeployment;
    const from = current.spec.template;
    const to = patched.spec.template;
    const allowed = api.upgradeTargets[from] ?? [];
    if (to !== from && !allowed.includes(to)) {
      const message = `spec.template: "${to}" is not an upgrade target of template "${from}" (allowed: ${allowed.join(', ') || 'none'})`;
      return send(res, 422, {
        ...status(422, `ClusterDeployment "${name}" is invalid: ${message}`, 'Invalid'),
        details: { name, kind: 'ClusterDeployment', causes: [{ field: 'spec.template' }] },
      });
    }
    const specChanged = JSON.stringify(patched.spec) !== JSON.stringify(current.spec);
    const generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    const saved = api.save('clusterdeployments', {
      ...patched,
      metadata: { ...patched.metadata, generation },
    });
    send(res, 200, saved);
  }

  function kubeconfig(res: ServerResponse, ns: string, name: string): void {
    const cluster = api.get('clusterdeployments', ns, name) as ClusterDeployment | undefined;
    if (!cluster) return send(res, 404, status(404, `clusterdeployments "${name}" not found`));
    const secretName = cluster.status?.kubeconfigSecret ?? '';
    const data = (api.get('secrets', ns, secretName)?.['data'] ?? {}) as Record<string, string>;
    if (!data['value']) return send(res, 404, status(404, `kubeconfig of "${name}" not ready`));
    res.writeHead(200, { 'content-type': 'application/yaml' });
    res.end(Buffer.from(data['value'], 'base64'));
  }

  function forward(req: IncomingMessage, res: ServerResponse, body: string): void {
    const target = new URL(req.url ?? '/', inner.url);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      res.on('close', () => answer.destroy());
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  api.url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  return api;
}

/** RFC 7386: objects merge key by key, null removes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function status(code: number, message: string, reason?: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code, reason };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// --- Playing the controller -------------------------------------------------------------

/** A condition as the controller writes it. */
export function condition(
  type: string,
  conditionStatus: Condition['status'],
  reason: string,
  message?: string,
): Condition {
  return {
    type,
    status: conditionStatus,
    reason,
    ...(message === undefined ? {} : { message }),
    lastTransitionTime: '2025-01-01T00:00:00Z',
  };
}

/** Replace the status of a stored cluster (observedGeneration: its generation unless given). */
export function setClusterStatus(
  api: FakeApi,
  namespace: string,
  name: string,
  status: NonNullable<ClusterDeployment['status']>,
): void {
  const cluster = api.get('clusterdeployments', namespace, name);
  if (!cluster) throw new Error(`no cluster ${namespace}/${name}`);
  api.save('clusterdeployments', {
    ...cluster,
    status: { observedGeneration: cluster.metadata.generation ?? 1, ...status },
  });
}

/** Store a Machine of `cluster` in `phase`. */
export function saveMachine(
  api: FakeApi,
  namespace: string,
  cluster: string,
  name: string,
  phase: NonNullable<Machine['status']>['phase'],
): void {
  const machine: Machine = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Machine',
    metadata: { name, namespace, labels: { 'slipway.dev/cluster': cluster } },
    spec: { clusterName: cluster, role: 'worker', version: 'v1.31.4+k3s1' },
    ...(phase ? { status: { phase } } : {}),
  };
  api.save('machines', machine);
}

/** Resolves once `read()` matches `pattern` (a command's output so far). */
export async function outputMatches(
  read: () => string,
  pattern: RegExp,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in output:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A command started in-process whose output can be read while it runs. */
export interface RunningCli {
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliRun>;
}

/** Start one command line against `api`; stdout may pretend to be a terminal. */
export function startSlipway(
  api: FakeApi,
  argv: string[],
  options: { terminal?: { columns: number }; now?: () => number } = {},
): RunningCli {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write: (text: string) => (stdout += text),
      ...(options.terminal ? { isTTY: true, columns: options.terminal.columns } : {}),
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: {
      SLIPWAY_CONFIG: '/nonexistent/slipway-test-config.yaml',
      SLIPWAY_SERVER: api.url,
      SLIPWAY_TOKEN: api.token,
    },
    readStdin: () => Promise.resolve(''),
    ...(options.now ? { now: options.now } : {}),
  };
  const done = runCli(argv, io).then((code) => ({ code, stdout, stderr }));
  return { stdout: () => stdout, stderr: () => stderr, done };
}
