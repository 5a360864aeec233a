// Authorization: may this caller do this? The second stage, after authentication and
// before the body is even read. The API server's default is RBAC over projects
// (rbac/authorizer.ts); `adminAuthorizer` allows administrators only.
import type { AnyResource } from '../api/index.ts';
import { AdminGroup, type UserInfo } from './authn.ts';
import type { ProjectIndex } from './rbac/project-index.ts';

/** Which objects of a list or watch the caller may see. */
export type ReadFilter = (object: AnyResource) => boolean;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authorization for list and watch: the routes drop objects it rejects. */
    readFilter: ReadFilter | undefined;
  }
  interface FastifyInstance {
    /** Project memberships, for authorization and `/auth/whoami` (`projectRolesOf`). */
    projects: ProjectIndex;
  }
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/**
 * Subresources the API serves. `status` is written by controllers; `kubeconfig` (verb
 * `get`, ClusterDeployment only) hands out a cluster's admin credentials, so a policy
 * decides on it apart from reading the cluster (e.g. members yes, viewers no).
 */
export type Subresource = 'status' | 'kubeconfig';

/** What a request wants to do, as in Kubernetes `authorizer.Attributes`. */
export type RequestAttributes =
  | {
      resourceRequest: true;
      verb: Verb;
      apiGroup: string;
      /** Plural, e.g. `clusterdeployments`. */
      resource: string;
      /**
       * As written in the URL: one of the Subresources, or a name the server answers
       * with 404 once authorized (as Kubernetes, authorization comes first).
       */
      subresource?: string;
      namespace?: string;
      name?: string;
    }
  | { resourceRequest: false; verb: 'get'; path: string };

export interface Decision {
  allowed: boolean;
  /** Why not, shown to the caller in the 403 Status. */
  reason?: string;
  /**
   * For list and watch: which objects the caller may see. The routes drop every item
   * (and every watch event) it rejects; absent means all of them.
   */
  filter?: ReadFilter;
}

export type Authorizer = (user: UserInfo, attrs: RequestAttributes) => Promise<Decision>;

/** Allows members of `system:masters` everything, and nobody else anything. */
export const adminAuthorizer: Authorizer = (user) =>
  Promise.resolve(
    user.groups.includes(AdminGroup)
      ? { allowed: true }
      : { allowed: false, reason: 'only administrators may use the API for now' },
  );

/** `clusterdeployments "x" is forbidden: User "u" cannot get resource ...`, as kubectl users know it. */
export function forbiddenMessage(
  user: UserInfo,
  attrs: RequestAttributes,
  reason?: string,
): string {
  const why = reason ? `: ${reason}` : '';
  if (!attrs.resourceRequest) {
    return `forbidden: User "${user.username}" cannot get path "${attrs.path}"${why}`;
  }
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const subject = attrs.name
    ? `${attrs.resource}.${attrs.apiGroup} "${attrs.name}"`
    : `${attrs.resource}.${attrs.apiGroup}`;
  const scope = attrs.namespace
    ? ` in the namespace "${attrs.namespace}"`
    : ' at the cluster scope';
  return `${subject} is forbidden: User "${user.username}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}"${scope}${why}`;
}
