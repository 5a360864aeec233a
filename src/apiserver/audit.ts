// What the API server writes to the audit log (src/audit): every mutating request
// (whatever its outcome, dry runs flagged), every read of Secrets and of a cluster's
// kubeconfig, and logins/logouts. Recorded when the response ends (a watch: when its
// stream ends, with the time it started). Only who, what, when, from where and how it
// ended: never a body, a header value (bar the User-Agent), a query string, a token
// or a cookie. The one thing read from a body is a login's attempted user name.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog, AuditRecord, AuditResult } from '../audit/types.ts';
import { Group, Version } from '../api/index.ts';
import { verbOf } from './routes/target.ts';

export const anonymousUser = 'system:anonymous';

/** Non-resource paths that sign people in or out: audited whatever their method. */
const loginPaths = new Set(['/auth/login', '/auth/logout', '/auth/oidc/callback']);
const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const maxMessageLength = 300;
const maxUserAgentLength = 256;
const maxNameLength = 253;

const resourcePath = new RegExp(
  `^/apis/${Group.replaceAll('.', '\\.')}/${Version}/` +
    '(?:namespaces/([^/]+)/)?([^/]+)(?:/([^/]+))?(?:/([^/]+))?/?$',
);

interface ResourceInfo {
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The kind, namespace, name and subresource a resource URL names (as authorization reads it). */
export function resourceInfo(path: string): ResourceInfo | undefined {
  const match = resourcePath.exec(path);
  const resource = decode(match?.[2]);
  if (!match || resource === undefined) return undefined;
  const info: ResourceInfo = { resource };
  const namespace = decode(match[1]);
  const name = decode(match[3]);
  const subresource = decode(match[4]);
  if (namespace !== undefined) info.namespace = namespace;
  if (name !== undefined) info.name = name;
  if (subresource !== undefined) info.subresource = subresource;
  return info;
}

function queryFlag(req: FastifyRequest, name: string, accepted: readonly string[]): boolean {
  const query = req.query as Record<string, unknown> | undefined;
  const value = query?.[name];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.some((v) => typeof v === 'string' && accepted.includes(v));
}

/** Whether a request goes into the audit log. */
export function isAudited(method: string, path: string): boolean {
  if (mutatingMethods.has(method) || loginPaths.has(path)) return true;
  const info = resourceInfo(path);
  return info !== undefined && (info.resource === 'secrets' || info.subresource === 'kubeconfig');
}

export function resultOf(code: number): AuditResult {
  if (code < 400) return 'allowed';
  if (code === 401 || code === 403 || code === 429) return 'denied';
  return 'error';
}

/** The first line of a failure's message, shortened: bodies never reach the log through it. */
function shortMessage(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > maxMessageLength ? `${line.slice(0, maxMessageLength)}…` : line;
}

/** For a login, the name someone tried to sign in as (never the password beside it). */
function attemptedUser(req: FastifyRequest, path: string): string | undefined {
  if (path !== '/auth/login') return undefined;
  const body = req.body as Record<string, unknown> | undefined;
  const username = typeof body === 'object' && body !== null ? body['username'] : undefined;
  return typeof username === 'string' && username !== ''
    ? username.slice(0, maxNameLength)
    : undefined;
}

function auditRecord(
  req: FastifyRequest,
  reply: FastifyReply,
  time: Date,
  message: string | undefined,
  createdName: string | undefined,
): AuditRecord {
  const path = req.url.split('?', 1)[0] ?? req.url;
  const code = reply.raw.statusCode;
  const user = req.user;
  const record: AuditRecord = {
    time,
    user: user?.username ?? attemptedUser(req, path) ?? anonymousUser,
    verb: req.method.toLowerCase(),
    path,
    sourceIP: req.ip,
    code,
    result: resultOf(code),
  };
  if (user) record.groups = user.groups;
  const agent = req.headers['user-agent'];
  if (typeof agent === 'string') record.userAgent = agent.slice(0, maxUserAgentLength);
  const info = resourceInfo(path);
  if (info) {
    const watch = queryFlag(req, 'watch', ['true', '1']);
    const params = { plural: info.resource, ...info };
    record.verb = verbOf(req.method, params, watch) ?? record.verb;
    record.apiGroup = Group;
    Object.assign(record, info);
    if (record.name === undefined && createdName !== undefined) record.name = createdName;
    if (queryFlag(req, 'dryRun', ['All'])) record.dryRun = true;
  }
  if (code >= 400 && message !== undefined) record.message = shortMessage(message);
  return record;
}

/** The `message` of a Status body, if the payload is one. */
function statusMessage(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const status = JSON.parse(payload) as { kind?: unknown; message?: unknown };
    return status.kind === 'Status' && typeof status.message === 'string'
      ? status.message
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The name of the object a create answered with (a create is sent to the collection, so
 * its URL names none; generated names exist only in the answer). Nothing else of the
 * body is kept.
 */
function createdObjectName(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const object = JSON.parse(payload) as { metadata?: { name?: unknown } };
    const name = object.metadata?.name;
    return typeof name === 'string' ? name.slice(0, maxNameLength) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Record audited requests in `log`. Register before authentication, so that requests
 * it refuses (401) are recorded too.
 */
export function registerAuditHooks(app: FastifyInstance, log: AuditLog): void {
  const messages = new WeakMap<FastifyRequest, string>();
  const createdNames = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', (req, reply, done) => {
    const path = req.url.split('?', 1)[0] ?? req.url;
    if (!isAudited(req.method, path)) {
      done();
      return;
    }
    const time = new Date();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      try {
        log.append(auditRecord(req, reply, time, messages.get(req), createdNames.get(req)));
      } catch (err: unknown) {
        // The log never throws, but a request must not fail for the audit's sake whatever happens.
        req.log.error({ err }, 'audit record failed');
      }
    };
    // 'close' also covers a watch whose client went away and a hijacked reply.
    reply.raw.once('finish', record);
    reply.raw.once('close', record);
    done();
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    if (reply.statusCode >= 400) {
      const message = statusMessage(payload);
      if (message !== undefined) messages.set(req, message);
    } else if (
      req.method === 'POST' &&
      resourceInfo(req.url.split('?', 1)[0] ?? '')?.name === undefined
    ) {
      const name = createdObjectName(payload);
      if (name !== undefined) createdNames.set(req, name);
    }
    done(null, payload);
  });
}
