// RBAC over projects: the Authorizer the API server uses by default. It decides from the
// URL (kind, namespace, name, verb) and the caller's project roles (ProjectIndex), reading
// the store only for APITokens, whose owner is in the object. For list and watch it
// allows and returns a filter that keeps only what the caller may read, re-evaluated
// per object so a long watch follows membership changes. Rules: policy.ts.
import {
  SystemNamespace,
  apiTokenKind,
  clusterDeploymentKind,
  isSlipwayError,
  kindByPlural,
  projectKind,
  StatusReason,
  userKind,
  type AnyResource,
  type KindDefinition,
} from '../../api/index.ts';
import type { Store } from '../../store/types.ts';
import { AdminGroup, type UserInfo } from '../authn.ts';
import type { Authorizer, Decision, RequestAttributes } from '../authz.ts';
import { grantsName, isGranted, isGrantedKind } from './grants.ts';
import { anyRoleReads, isUserPath, kubeconfigRoles, readVerbs, roleAllows } from './policy.ts';
import type { ProjectIndex, ProjectRole } from './project-index.ts';

export interface RbacAuthorizerOptions {
  projects: ProjectIndex;
  /** Reads an APIToken to learn whose it is. */
  store: Store;
}

type ResourceAttributes = Extract<RequestAttributes, { resourceRequest: true }>;

const allow: Decision = { allowed: true };
function deny(reason: string): Decision {
  return { allowed: false, reason };
}

export function isAdmin(user: UserInfo): boolean {
  return user.groups.includes(AdminGroup);
}

/**
 * The caller's roles, recomputed only when the project index changed: a watch filter
 * calls this for every event.
 */
function rolesTracker(projects: ProjectIndex, user: UserInfo): () => Map<string, ProjectRole> {
  let version = -1;
  let roles = new Map<string, ProjectRole>();
  return () => {
    if (version !== projects.version) {
      version = projects.version;
      roles = projects.rolesOf(user);
    }
    return roles;
  };
}

/** Whether the caller may read `object` of a namespaced `kind` (list and watch filters). */
function canReadNamespaced(
  projects: ProjectIndex,
  roles: Map<string, ProjectRole>,
  kind: string,
  namespace: string | undefined,
  name: string,
): boolean {
  if (namespace === undefined) return false;
  const role = roles.get(namespace);
  if (role !== undefined && roleAllows(role, kind, 'list')) return true;
  if (namespace !== SystemNamespace || !isGrantedKind(kind)) return false;
  for (const projectName of roles.keys()) {
    const project = projects.project(projectName);
    if (project && isGranted(project, kind, namespace, name)) return true;
  }
  return false;
}

/** The RBAC authorizer; see docs/rbac.md for the table it implements. */
export function rbacAuthorizer(opts: RbacAuthorizerOptions): Authorizer {
  const { projects } = opts;
  return async (user, attrs) => {
    if (isAdmin(user)) return allow;
    await projects.ready();
    if (!attrs.resourceRequest) {
      return isUserPath(attrs.path) ? allow : deny('only administrators may use this path');
    }
    const kind = kindByPlural(attrs.resource);
    if (kind === undefined) return deny('unknown resource');
    if (kind.namespaced) return namespaced(projects, user, attrs, kind);
    return clusterScoped(opts, user, attrs, kind);
  };
}

function namespaced(
  projects: ProjectIndex,
  user: UserInfo,
  attrs: ResourceAttributes,
  kind: KindDefinition,
): Decision {
  const roles = rolesTracker(projects, user);
  const { verb, namespace, subresource } = attrs;
  if (subresource === 'kubeconfig') {
    const role = namespace !== undefined ? roles().get(namespace) : undefined;
    return kind.kind === clusterDeploymentKind.kind &&
      verb === 'get' &&
      role !== undefined &&
      kubeconfigRoles.has(role)
      ? allow
      : deny('only owners and members of the project may read kubeconfigs');
  }
  if (subresource !== undefined && verb !== 'get')
    return deny(`only controllers write ${subresource}`);
  const readOnly = verb === 'get' || verb === 'list' || verb === 'watch';
  // A list or watch that carries only what the caller may read, object by object.
  const readableOnly: Decision = {
    allowed: true,
    filter: (object) =>
      canReadNamespaced(
        projects,
        roles(),
        kind.kind,
        object.metadata.namespace,
        object.metadata.name,
      ),
  };
  // Across namespaces: allowed for what some role may read, filtered object by object.
  if (namespace === undefined) {
    if ((verb !== 'list' && verb !== 'watch') || !anyRoleReads(kind.kind))
      return deny('not allowed in any project');
    return readableOnly;
  }
  const role = roles().get(namespace);
  if (role !== undefined) {
    return roleAllows(role, kind.kind, verb)
      ? allow
      : deny(`role ${role} in project "${namespace}" does not allow it`);
  }
  // Granted templates and credentials of slipway-system: readable by the projects' members.
  if (namespace === SystemNamespace && isGrantedKind(kind.kind) && readOnly) {
    const granting = [...roles().keys()].flatMap((name) => projects.project(name) ?? []);
    if (granting.length === 0) return deny('not a member of any project');
    if (verb === 'get') {
      const name = attrs.name ?? '';
      return granting.some((p) => grantsName(p, kind.kind, name))
        ? allow
        : deny('not granted to any of your projects');
    }
    return readableOnly;
  }
  return deny(`not a member of project "${namespace}"`);
}

async function clusterScoped(
  opts: RbacAuthorizerOptions,
  user: UserInfo,
  attrs: ResourceAttributes,
  kind: KindDefinition,
): Promise<Decision> {
  const { verb, name, subresource } = attrs;
  const read = readVerbs.includes(verb);
  if (subresource !== undefined && !read) return deny(`only controllers write ${subresource}`);
  const listing = verb === 'list' || verb === 'watch';
  switch (kind.kind) {
    case projectKind.kind: {
      const roles = rolesTracker(opts.projects, user);
      if (listing && name === undefined)
        return { allowed: true, filter: (object) => roles().has(object.metadata.name) };
      const role = name !== undefined ? roles().get(name) : undefined;
      if (read && role !== undefined) return allow;
      if ((verb === 'update' || verb === 'patch') && role === 'owner' && subresource === undefined)
        return allow;
      return deny(
        role === undefined
          ? 'not a member of this project'
          : 'only project owners may change a project; only administrators create or delete them',
      );
    }
    case userKind.kind:
      if (listing && name === undefined)
        return { allowed: true, filter: (object) => object.metadata.name === user.username };
      return read && name === user.username ? allow : deny('users may only read themselves');
    case apiTokenKind.kind:
      if (verb === 'create') return allow; // admission: spec.user must be the caller
      if (listing && name === undefined)
        return { allowed: true, filter: (object) => tokenUser(object) === user.username };
      return name !== undefined && (await tokenOwner(opts.store, name)) === user.username
        ? allow
        : deny('not your token (or no such token)');
    default:
      return deny('only administrators may use it');
  }
}

function tokenUser(object: AnyResource): string | undefined {
  const spec = (object as { spec?: { user?: unknown } }).spec;
  return typeof spec?.user === 'string' ? spec.user : undefined;
}

async function tokenOwner(store: Store, name: string): Promise<string | undefined> {
  try {
    return tokenUser(await store.get(apiTokenKind.kind, undefined, name));
  } catch (err: unknown) {
    if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
    throw err;
  }
}
