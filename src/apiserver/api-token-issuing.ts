// Issuing API tokens through the normal create route, POST .../apitokens, without a
// special case in the resource routes: a preHandler hook prepares the body (spec.user
// defaults to the caller; non-admins only for themselves; a prefix label), and a
// preSerialization hook, once the APIToken is stored, writes the token's hash and puts
// the token in `status.token` of that one response. The stored object never has it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiTokenKind, type AnyResource } from '../api/index.ts';
import type { ApiTokens } from '../identity/api-tokens.ts';
import { parseDryRun, type Query } from './query.ts';
import { apiBase, type ResourceParams } from './routes/target.ts';

const collectionRoute = `${apiBase}/:plural`;

export function registerApiTokenIssuing(app: FastifyInstance, tokens: ApiTokens): void {
  const pending = new WeakMap<FastifyRequest, (created: AnyResource) => Promise<AnyResource>>();
  app.addHook('preHandler', async (req) => {
    if (
      req.method !== 'POST' ||
      req.routeOptions.url !== collectionRoute ||
      (req.params as ResourceParams).plural !== apiTokenKind.plural
    )
      return;
    const dryRun = parseDryRun(req.query as Query);
    const prepared = await tokens.prepareCreate(req.body, req.user, dryRun);
    req.body = prepared.body;
    pending.set(req, prepared.issue);
  });
  app.addHook('preSerialization', async (req, reply, payload: unknown) => {
    const issue = pending.get(req);
    if (issue === undefined) return payload;
    pending.delete(req);
    return reply.statusCode === 201 ? issue(payload as AnyResource) : payload;
  });
}
