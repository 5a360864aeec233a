// The policy table: what each project role may do to each kind in its project's
// namespace, and who may use the cluster-scoped kinds and the non-resource paths.
// Administrators (group system:masters) are allowed everything before this table is read.
// docs/rbac.md shows the same table; keep them together.
import type { Verb } from '../authz.ts';
import type { ProjectRole } from './project-index.ts';

export const readVerbs: readonly Verb[] = ['get', 'list', 'watch'];
export const allVerbs: readonly Verb[] = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
];

/**
 * Namespaced kinds, by role, in a project's namespace. A kind absent from a role's row
 * (Secret for everyone) is forbidden. ClusterTemplate, Credential and ServiceTemplate
 * are read-only and also readable in slipway-system where the project grants them
 * (grants.ts). Status subresource writes are never allowed: controllers write status.
 */
export const namespacedPolicy: Readonly<
  Record<ProjectRole, Readonly<Record<string, readonly Verb[]>>>
> = {
  viewer: {
    ClusterDeployment: readVerbs,
    Machine: readVerbs,
    Event: readVerbs,
    IPAddress: readVerbs,
    ClusterTemplate: readVerbs,
    Credential: readVerbs,
    ServiceTemplate: readVerbs,
  },
  member: {
    ClusterDeployment: allVerbs,
    Machine: readVerbs,
    Event: readVerbs,
    IPAddress: readVerbs,
    ClusterTemplate: readVerbs,
    Credential: readVerbs,
    ServiceTemplate: readVerbs,
  },
  owner: {
    ClusterDeployment: allVerbs,
    Machine: readVerbs,
    Event: readVerbs,
    IPAddress: readVerbs,
    ClusterTemplate: readVerbs,
    Credential: readVerbs,
    ServiceTemplate: readVerbs,
  },
};

/** Roles that may `get` a ClusterDeployment's `kubeconfig` subresource (its admin credentials). */
export const kubeconfigRoles: ReadonlySet<ProjectRole> = new Set(['member', 'owner']);

/** Whether `role` may do `verb` to `kind` in its project's namespace (no subresource). */
export function roleAllows(role: ProjectRole, kind: string, verb: Verb): boolean {
  return namespacedPolicy[role][kind]?.includes(verb) ?? false;
}

/** Whether any role may read `kind` at all (Secrets: no). */
export function anyRoleReads(kind: string): boolean {
  return Object.values(namespacedPolicy).some((row) => row[kind]?.includes('list') ?? false);
}

/**
 * Non-resource paths every authenticated user may GET or POST: the login/session API,
 * discovery, /version, the OpenAPI document, health, and a user's own password change
 * (its handler checks admin-or-self). Anything else (/metrics, the audit API under
 * /apis/audit.slipway.dev) is for administrators.
 */
const publicPathPatterns: readonly RegExp[] = [
  /^\/auth(\/.*)?$/,
  /^\/api\/?$/,
  /^\/apis\/?$/,
  /^\/apis\/slipway\.dev(\/v1alpha1)?\/?$/,
  /^\/version\/?$/,
  /^\/openapi(\/.*)?$/,
  /^\/(healthz|livez|readyz)\/?$/,
  /^\/apis\/slipway\.dev\/v1alpha1\/users\/[^/]+\/password$/,
];

export function isUserPath(path: string): boolean {
  return publicPathPatterns.some((pattern) => pattern.test(path));
}
