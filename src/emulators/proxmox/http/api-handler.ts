// One API request, in pveproxy's order: injected faults, body and parameters, the
// caller (401 after a delay), the route (501), the method's permissions (403), the node
// it is proxied to, the schema's parameter check (400), the handler, and the answer,
// whose data is checked against the schema's `returns`. Answers look like PVE's: the
// message's first line is the HTTP reason phrase, the body `{"data": …}` with `message`
// and `errors` on failure (an authentication failure has no body).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError, type Authenticator } from '../auth.ts';
import { WithTotal, type EmulatorCore, type Handler } from '../core.ts';
import { messageOf, PveError } from '../errors.ts';
import {
  checkMethodPermissions,
  requirePrivileges,
  type Caller,
  type MethodPermissions,
} from '../permission-check.ts';
import type { PveEndpoint, PveMatch, PveValidation } from '../schema/types.ts';
import { sleep } from '../tasks.ts';
import type { Recorder } from './recorder.ts';
import { readParameters } from './request-body.ts';

/** The schema module's API (schema/), as the emulator uses it. */
export interface SchemaChecker {
  match(method: string, path: string): PveMatch;
  validate(endpoint: PveEndpoint, params: Record<string, unknown>): PveValidation;
  checkReturns(endpoint: PveEndpoint, data: unknown): string[];
}

export interface ApiDeps {
  core: EmulatorCore;
  schema: SchemaChecker;
  auth: Authenticator;
  /** `METHOD /path/{template}` → handler. */
  routes: ReadonlyMap<string, Handler>;
  recorder: Recorder;
}

const basePath = '/api2/json';
const uploadPath = /^\/nodes\/[^/]+\/storage\/([^/]+)\/upload$/;
/** Paths pveproxy serves without authentication. */
const openPaths = new Set(['GET /access/ticket', 'POST /access/ticket', 'GET /access/domains']);

interface Answer {
  status: number;
  message?: string;
  body?: Record<string, unknown>;
}

function send(res: ServerResponse, answer: Answer): void {
  const reason = (answer.message ?? (answer.status < 400 ? 'OK' : 'Error')).split('\n')[0] ?? '';
  const text = answer.body ? JSON.stringify(answer.body) : '';
  const now = new Date().toUTCString();
  res.writeHead(answer.status, reason.replace(/[^\t\x20-\x7e\x80-\xff]/g, ' '), {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    server: 'pve-api-daemon/3.0',
    'cache-control': 'max-age=0',
    pragma: 'no-cache',
    expires: now,
    date: now,
  });
  res.end(text);
}

/** A failed call's answer, as the JSON formatter writes it (message ends in a newline). */
function failure(status: number, message: string, errors?: Record<string, string>): Answer {
  const body: Record<string, unknown> = {
    data: null,
    message: message.endsWith('\n') ? message : `${message}\n`,
  };
  if (errors && Object.keys(errors).length > 0) body['errors'] = errors;
  return { status, message, body };
}

const injectedErrors: Answer[] = [
  failure(500, 'got timeout'),
  {
    status: 503,
    message: 'Service Unavailable',
    body: { data: null, message: 'Service Unavailable\n' },
  },
  { status: 595, message: 'Connection timed out' },
  { status: 595, message: 'Connection refused' },
];

/** The request listener of the emulated API. */
export function createApiListener(deps: ApiDeps) {
  const { core, recorder } = deps;

  async function answer(
    req: IncomingMessage,
    method: string,
    path: string,
    query: string,
  ): Promise<Answer> {
    const faults = core.options.faults;
    if (faults.slowResponseMs > 0) await sleep(faults.slowResponseMs);
    if (faults.serverErrorRate > 0 && core.random() < faults.serverErrorRate) {
      req.resume();
      return (
        injectedErrors[Math.floor(core.random() * injectedErrors.length)] ??
        failure(500, 'got timeout')
      );
    }
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
      req.resume();
      return { status: 501, message: `method '${method}' not available` };
    }
    const upload = method === 'POST' ? uploadPath.exec(path) : null;
    let caller: Caller | undefined;
    if (!openPaths.has(`${method} ${path}`)) {
      try {
        caller = deps.auth.authenticate(req.headers, method, upload !== null);
        // Uploads skip the CSRF check; pveproxy checks the privilege up front instead.
        if (upload)
          requirePrivileges(caller, `/storage/${upload[1] ?? ''}`, ['Datastore.AllocateTemplate']);
      } catch (err: unknown) {
        req.resume();
        if (err instanceof AuthError) {
          await sleep(core.options.timing.authFailDelayMs);
          return { status: 401, message: err.message };
        }
        throw err;
      }
    }
    const { params, upload: file } = await readParameters(req, query, upload !== null);
    const matched = deps.schema.match(method, path);
    if (!matched.ok) {
      recorder.violation(method, path, `schema: ${matched.message}`);
      return failure(matched.status, matched.message);
    }
    const { endpoint, pathParams } = matched;
    const duplicates: Record<string, string> = {};
    for (const name of Object.keys(params)) {
      if (name in pathParams) duplicates[name] = 'duplicate parameter (already defined in URI)';
    }
    if (Object.keys(duplicates).length > 0) {
      recorder.violation(
        method,
        path,
        `schema: duplicate parameters ${Object.keys(duplicates).join(', ')}`,
      );
      return failure(400, 'Parameter verification failed.', duplicates);
    }
    const merged: Record<string, unknown> = { ...params, ...pathParams };
    if (caller) {
      if (!endpoint.allowtoken && caller.userid.includes('!')) {
        return failure(403, `URI '${path}' not available with API token, need proper ticket.`);
      }
      const textParams = Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, String(v)]));
      checkMethodPermissions(
        endpoint.permissions as MethodPermissions | undefined,
        caller,
        textParams,
      );
    }
    const proxyNode = endpoint.proxyto ? merged[endpoint.proxyto] : undefined;
    if (
      typeof proxyNode === 'string' &&
      !core.state.nodes.has(proxyNode) &&
      proxyNode !== 'localhost'
    ) {
      return failure(
        500,
        `hostname lookup '${proxyNode}' failed - failed to get address info for: ${proxyNode}: Name or service not known`,
      );
    }
    const checked = deps.schema.validate(endpoint, merged);
    if (!checked.ok) {
      recorder.violation(method, path, `schema: ${JSON.stringify(checked.errors)}`);
      return failure(400, 'Parameter verification failed.', checked.errors);
    }
    const handler = deps.routes.get(`${method} ${endpoint.pathTemplate}`);
    if (!handler) {
      recorder.violation(
        method,
        path,
        `not implemented by the emulator: ${method} ${endpoint.pathTemplate}`,
      );
      return failure(501, `Method '${method} ${path}' not implemented`);
    }
    const result: unknown = await handler({
      core,
      caller: caller ?? { userid: '', privileges: {} },
      params: merged,
      ...(file ? { upload: file } : {}),
    });
    const data = result instanceof WithTotal ? result.data : (result ?? null);
    for (const problem of deps.schema.checkReturns(endpoint, data)) {
      recorder.violation(method, path, `response: ${problem}`);
    }
    const body: Record<string, unknown> = { data };
    if (result instanceof WithTotal) body['total'] = result.total;
    return { status: 200, body };
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const done = (result: Answer) => {
      recorder.request(
        method,
        path.startsWith(basePath) ? path.slice(basePath.length) || '/' : path,
        result.status,
      );
      send(res, result);
    };
    if (!path.startsWith(`${basePath}/`) && path !== basePath) {
      req.resume();
      done({ status: 501, message: `no such file '${path}'` });
      return;
    }
    const rel = path.slice(basePath.length) || '/';
    answer(req, method, rel, query).then(done, async (err: unknown) => {
      if (err instanceof PveError) {
        done(failure(err.status, err.message, err.errors));
      } else if (err instanceof AuthError) {
        await sleep(core.options.timing.authFailDelayMs);
        done(failure(401, err.message));
      } else {
        recorder.violation(method, rel, `emulator error: ${messageOf(err)}`);
        done(failure(500, messageOf(err)));
      }
    });
  };
}
