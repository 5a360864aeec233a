// Admission: a ClusterDeployment in a project's namespace may use only the ClusterTemplate,
// Credential and ServiceTemplates (spec.services) its project grants (or that live in the project's own namespace). This
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
  serviceTemplateKind,
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

/** `spec.services[].template` of a cluster, by index. */
function serviceTemplates(object: AnyResource | undefined): (string | undefined)[] {
  const spec = object?.spec;
  const services = isPlainObject(spec) ? spec['services'] : undefined;
  if (!Array.isArray(services)) return [];
  return services.map((service: unknown) =>
    isPlainObject(service) && typeof service['template'] === 'string'
      ? service['template']
      : undefined,
  );
}

/**
 * Throws Forbidden naming `spec.template`, `spec.credential` or `spec.services[i].template`
 * for each ungranted reference.
 */
export async function checkClusterGrants(
  ctx: AdmissionContext,
  project: Project,
  lookup: ObjectLookup,
): Promise<void> {
  const namespace = project.metadata.name;
  const causes: FieldCause[] = [];
  const update = ctx.request.operation === 'update';
  const wanted: { field: string; kind: string; name: string }[] = [];
  for (const { field, kind } of references) {
    const name = specString(ctx.object, field);
    if (name === undefined) continue;
    if (update && specString(ctx.request.oldObject, field) === name) continue;
    wanted.push({ field: `spec.${field}`, kind, name });
  }
  const oldServices = new Set(serviceTemplates(ctx.request.oldObject));
  serviceTemplates(ctx.object).forEach((name, i) => {
    if (name === undefined || (update && oldServices.has(name))) return;
    wanted.push({ field: `spec.services[${i}].template`, kind: serviceTemplateKind.kind, name });
  });
  for (const { field, kind, name } of wanted) {
    // The controller finds an object of the project's own namespace first: always granted.
    if (isGranted(project, kind, SystemNamespace, name)) continue;
    if ((await lookup(kind, namespace, name)) !== undefined) continue;
    causes.push({
      field,
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
