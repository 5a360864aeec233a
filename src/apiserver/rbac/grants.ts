// Grants: which ClusterTemplates, Credentials and ServiceTemplates a project may use and
// its members may read. A project's own namespace is always granted; an object in
// slipway-system only when its name is in the project's list (or the list holds "*"),
// matching how the controllers resolve a reference (own namespace first, then
// slipway-system).
import { SystemNamespace, type Project } from '../../api/index.ts';

type GrantField = 'templates' | 'credentials' | 'serviceTemplates';

/** Granted kinds and the Project field that lists their grants. */
export const grantFields: Readonly<Record<string, GrantField>> = {
  ClusterTemplate: 'templates',
  Credential: 'credentials',
  ServiceTemplate: 'serviceTemplates',
};

/** Grants everything of a kind. */
export const GrantAll = '*';

export function isGrantedKind(kind: string): boolean {
  return Object.hasOwn(grantFields, kind);
}

/** Whether `project` grants the object `kind`/`name` of slipway-system (by name or "*"). */
export function grantsName(project: Project, kind: string, name: string): boolean {
  const field = grantFields[kind];
  if (field === undefined) return false;
  const names = project.spec[field] ?? [];
  return names.includes(GrantAll) || names.includes(name);
}

/**
 * Whether members of `project` may read (and their clusters use) the object
 * `kind` `namespace/name`: everything in the project's own namespace, and what the
 * project grants in slipway-system.
 */
export function isGranted(
  project: Project,
  kind: string,
  namespace: string | undefined,
  name: string,
): boolean {
  if (!isGrantedKind(kind)) return false;
  if (namespace === project.metadata.name) return true;
  return namespace === SystemNamespace && grantsName(project, kind, name);
}
