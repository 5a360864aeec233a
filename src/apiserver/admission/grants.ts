// Admission: a ClusterDeployment in a project's namespace may use only the ClusterTemplate
// and Credential its project grants (or that live in the project's own namespace). This
// holds for administrators too: the project's policy is the project's, and an admin who
// wants an exception grants it in the Project. On update only a reference that changes is
// checked, so revoking a grant does not freeze the clusters already built with it (they
// can still be scaled, hibernated and deleted).
import {
  SlipwayError,
  StatusReason,
  SystemNamespace,
  clusterTemplateKind,
  credentialKind,
  isPlainObject,
  type AnyResource,
  type FieldCause,
  type Project,
} from '../../api/index.ts';
import { isGranted } from '../rbac/grants.ts';
import type { AdmissionContext, ObjectLookup } from './types.ts';

function specString(object: AnyResource | undefined, field: string): string | undefined {
  const spec = object?.spec;
  const value = isPlainObject(spec) ? spec[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

const references = [
  { field: 'template', kind: clusterTemplateKind.kind },
  { field: 'credential', kind: credentialKind.kind },
] as const;

/** Throws Forbidden naming `spec.template` / `spec.credential` for each ungranted reference. */
export async function checkClusterGrants(
  ctx: AdmissionContext,
  project: Project,
  lookup: ObjectLookup,
): Promise<void> {
  const namespace = project.metadata.name;
  const causes: FieldCause[] = [];
  for (const { field, kind } of references) {
    const name = specString(ctx.object, field);
    if (name === undefined) continue;
    if (ctx.request.operation === 'update' && specString(ctx.request.oldObject, field) === name)
      continue;
    // The controller finds an object of the project's own namespace first: always granted.
    if (isGranted(project, kind, SystemNamespace, name)) continue;
    if ((await lookup(kind, namespace, name)) !== undefined) continue;
    causes.push({
      field: `spec.${field}`,
      message: `${kind} "${name}" is not granted to project "${namespace}"`,
      reason: 'FieldValueForbidden',
    });
  }
  if (causes.length === 0) return;
  const name = ctx.object.metadata.name;
  throw new SlipwayError(
    StatusReason.Forbidden,
    `clusterdeployments "${name}" is forbidden: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`,
    { kind: 'ClusterDeployment', name, causes },
  );
}
