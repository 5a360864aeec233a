// Admission rules that depend on the caller, for kinds other than clusters:
// - Project: a non-admin (an owner; authorization lets no one else update) may change
//   only spec.members, spec.quota (each resource at most spec.quotaLimit's), spec.displayName
//   and spec.description. Every member entry names exactly one of user or group.
// - Secret: internal types (password hashes, sessions, token hashes) are refused for
//   everyone; only src/identity writes them, through the store.
// - APIToken: a non-admin creates and changes only tokens whose spec.user is themselves.
import { isDeepStrictEqual } from 'node:util';
import {
  InternalSecretTypes,
  QuotaResources,
  SlipwayError,
  StatusReason,
  apiTokenKind,
  invalid,
  isPlainObject,
  projectKind,
  secretKind,
  type FieldCause,
  type Project,
} from '../../api/index.ts';
import { AdminGroup } from '../authn.ts';
import type { AdmissionContext } from './types.ts';

/** Project spec fields an owner may change; the rest (grants, quotaLimit, lifetimes) are the admin's. */
const ownerEditableSpec = new Set(['members', 'quota', 'displayName', 'description']);
const fixedMetadata = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

function isAdminRequest(ctx: AdmissionContext): boolean {
  const user = ctx.request.user;
  // No caller: an internal write, not a client's.
  return user === undefined || user.groups.includes(AdminGroup);
}

function forbidden(ctx: AdmissionContext, causes: FieldCause[]): SlipwayError {
  const { kind } = ctx.request;
  const name = ctx.object.metadata.name;
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join('; ');
  return new SlipwayError(
    StatusReason.Forbidden,
    `${kind.plural} "${name}" is forbidden: ${summary}`,
    {
      kind: kind.kind,
      name,
      causes,
    },
  );
}

function memberCauses(project: Project): FieldCause[] {
  const causes: FieldCause[] = [];
  (project.spec.members ?? []).forEach((member, i) => {
    if ((member.user === undefined) === (member.group === undefined)) {
      causes.push({
        field: `spec.members[${i}]`,
        message: 'name exactly one of user or group',
        reason: 'FieldValueInvalid',
      });
    }
  });
  return causes;
}

function ownerCauses(project: Project, old: Project): FieldCause[] {
  const causes: FieldCause[] = [];
  const spec = project.spec as Record<string, unknown>;
  const oldSpec = old.spec as Record<string, unknown>;
  for (const field of new Set([...Object.keys(spec), ...Object.keys(oldSpec)])) {
    if (!ownerEditableSpec.has(field) && !isDeepStrictEqual(spec[field], oldSpec[field]))
      causes.push({
        field: `spec.${field}`,
        message: 'only administrators may change it',
        reason: 'FieldValueForbidden',
      });
  }
  for (const field of fixedMetadata) {
    if (!isDeepStrictEqual(project.metadata[field], old.metadata[field]))
      causes.push({
        field: `metadata.${field}`,
        message: 'only administrators may change it',
        reason: 'FieldValueForbidden',
      });
  }
  const limit = old.spec.quotaLimit ?? {};
  for (const resource of QuotaResources) {
    const wanted = project.spec.quota?.[resource];
    const ceiling = limit[resource];
    if (wanted === undefined || ceiling === undefined) continue;
    if (wanted === old.spec.quota?.[resource]) continue; // unchanged: not the owner's doing
    if (wanted > ceiling)
      causes.push({
        field: `spec.quota.${resource}`,
        message: `must not exceed spec.quotaLimit.${resource} (${ceiling})`,
        reason: 'FieldValueForbidden',
      });
  }
  return causes;
}

/** The rules above, for Projects, Secrets and APITokens. */
export function checkCallerRules(ctx: AdmissionContext): void {
  const { kind, operation, oldObject, subresource } = ctx.request;
  if (subresource === 'status') return;
  if (kind.kind === secretKind.kind) {
    const type = ctx.object['type'];
    if (typeof type === 'string' && InternalSecretTypes.has(type))
      throw invalid(kind.kind, ctx.object.metadata.name, [
        {
          field: 'type',
          message: `"${type}" is reserved for Slipway's identity data and cannot be written through the API`,
          reason: 'FieldValueForbidden',
        },
      ]);
    return;
  }
  if (kind.kind === projectKind.kind) {
    const project = ctx.object as Project;
    const invalidMembers = memberCauses(project);
    if (invalidMembers.length > 0) throw invalid(kind.kind, project.metadata.name, invalidMembers);
    if (operation === 'update' && oldObject && !isAdminRequest(ctx)) {
      const causes = ownerCauses(project, oldObject as Project);
      if (causes.length > 0) throw forbidden(ctx, causes);
    }
    return;
  }
  if (kind.kind === apiTokenKind.kind && !isAdminRequest(ctx)) {
    const spec = ctx.object.spec;
    const user = isPlainObject(spec) ? spec['user'] : undefined;
    const caller = ctx.request.user?.username;
    if (user !== caller)
      throw forbidden(ctx, [
        {
          field: 'spec.user',
          message: `must be "${caller ?? ''}": only administrators create tokens for other users`,
          reason: 'FieldValueForbidden',
        },
      ]);
  }
}
