// GET /apis/audit.slipway.dev/v1alpha1/auditevents: the audit log, newest first, for
// administrators. Filters user, namespace, verb, resource (exact), since/until (RFC 3339),
// limit (default 100, at most 1000) and continue (the token of the previous page).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SlipwayError, StatusReason, badRequest } from '../../api/index.ts';
import {
  InvalidContinueToken,
  defaultAuditPageSize,
  maxAuditPageSize,
  type AuditEvent,
  type AuditLog,
  type AuditQuery,
} from '../../audit/types.ts';
import { AdminGroup } from '../authn.ts';

export const auditApiVersion = 'audit.slipway.dev/v1alpha1';
export const auditEventsPath = `/apis/${auditApiVersion}/auditevents`;

export interface AuditEventList {
  apiVersion: typeof auditApiVersion;
  kind: 'AuditEventList';
  metadata: { continue?: string };
  items: AuditEvent[];
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function param(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw badRequest(`query parameter ${name} given more than once`);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function time(query: Record<string, unknown>, name: string): Date | undefined {
  const value = param(query, name);
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  if (!rfc3339.test(value) || Number.isNaN(parsed))
    throw badRequest(
      `query parameter ${name} must be an RFC 3339 time such as 2026-11-21T10:00:00Z, not "${value}"`,
    );
  return new Date(parsed);
}

/** The query of a request, checked: a value that cannot be understood is a 400 naming it. */
export function parseAuditQuery(query: Record<string, unknown>): AuditQuery {
  const parsed: AuditQuery = {};
  for (const name of ['user', 'namespace', 'verb', 'resource', 'continue'] as const) {
    const value = param(query, name);
    if (value !== undefined) parsed[name] = value;
  }
  const since = time(query, 'since');
  const until = time(query, 'until');
  if (since) parsed.since = since;
  if (until) parsed.until = until;
  const limit = param(query, 'limit');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1)
      throw badRequest(`query parameter limit must be a positive integer, not "${limit}"`);
    parsed.limit = Math.min(Number(limit), maxAuditPageSize);
  } else parsed.limit = defaultAuditPageSize;
  return parsed;
}

function requireAdmin(req: FastifyRequest): void {
  // Authorization already ran; checked again here because this log is for admins only,
  // whatever authorizer the server was built with.
  const user = req.user;
  if (user === undefined || !user.groups.includes(AdminGroup)) {
    throw new SlipwayError(
      StatusReason.Forbidden,
      `forbidden: User "${user?.username ?? 'system:anonymous'}" cannot get path "${auditEventsPath}": only administrators may read the audit log`,
    );
  }
}

export function registerAuditRoutes(app: FastifyInstance, log: AuditLog): void {
  app.get(auditEventsPath, async (req): Promise<AuditEventList> => {
    requireAdmin(req);
    const query = parseAuditQuery(req.query as Record<string, unknown>);
    try {
      const page = await log.query(query);
      return {
        apiVersion: auditApiVersion,
        kind: 'AuditEventList',
        metadata: page.continue === undefined ? {} : { continue: page.continue },
        items: page.items,
      };
    } catch (err: unknown) {
      if (err instanceof InvalidContinueToken) throw badRequest(err.message);
      throw err;
    }
  });
}
