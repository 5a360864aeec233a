// Admission step 6: a ClusterDeployment moves only along its template chain. Switching
// `spec.template` is an upgrade, allowed only to a template the current one lists in
// `upgradeTargets` (one step at a time; the ClusterDeployment controller checks again
// during the rollout). Templates are looked up as the controller resolves them: the
// cluster's namespace first, then the global ones in slipway-system.
import {
  SystemNamespace,
  clusterDeploymentKind,
  clusterTemplateKind,
  invalid,
  isPlainObject,
  type AnyResource,
} from '../../api/index.ts';
import type { AdmissionContext, ObjectLookup } from './types.ts';

const field = 'spec.template';

function templateOf(object: AnyResource | undefined): string | undefined {
  const spec = object?.spec;
  if (!isPlainObject(spec)) return undefined;
  const template = spec['template'];
  return typeof template === 'string' ? template : undefined;
}

/** Where a template name is looked for, in order. */
function searchedNamespaces(namespace: string): string[] {
  return namespace === SystemNamespace ? [namespace] : [namespace, SystemNamespace];
}

async function resolveTemplate(
  lookup: ObjectLookup,
  namespace: string,
  name: string,
): Promise<AnyResource | undefined> {
  for (const ns of searchedNamespaces(namespace)) {
    const found = await lookup(clusterTemplateKind.kind, ns, name);
    if (found) return found;
  }
  return undefined;
}

function upgradeTargetsOf(template: AnyResource): string[] {
  const spec = template.spec;
  const targets = isPlainObject(spec) ? spec['upgradeTargets'] : undefined;
  return Array.isArray(targets) ? targets.filter((t): t is string => typeof t === 'string') : [];
}

/** Throws Invalid (cause `spec.template`) when an update switches to a template off the chain. */
export async function checkUpgradePath(ctx: AdmissionContext, lookup: ObjectLookup): Promise<void> {
  const { kind, operation, subresource, oldObject } = ctx.request;
  if (kind.kind !== clusterDeploymentKind.kind || operation !== 'update') return;
  if (subresource !== undefined || oldObject === undefined) return;
  const from = templateOf(oldObject);
  const to = templateOf(ctx.object);
  if (from === undefined || to === undefined || from === to) return;

  const namespace = ctx.object.metadata.namespace ?? ctx.request.namespace ?? '';
  const where = searchedNamespaces(namespace)
    .map((ns) => `"${ns}"`)
    .join(' or ');
  const problem = (message: string, reason: string) =>
    invalid(kind.kind, oldObject.metadata.name, [{ field, message, reason }]);

  const target = await resolveTemplate(lookup, namespace, to);
  if (!target) {
    throw problem(`template "${to}" not found in namespace ${where}`, 'FieldValueNotFound');
  }
  const current = await resolveTemplate(lookup, namespace, from);
  if (!current) {
    throw problem(
      `the upgrade path cannot be checked: the current template "${from}" was not found in namespace ${where}`,
      'FieldValueInvalid',
    );
  }
  const allowed = upgradeTargetsOf(current);
  if (!allowed.includes(to)) {
    const list = allowed.length > 0 ? allowed.join(', ') : 'none';
    throw problem(
      `template "${to}" is not an upgrade target of "${from}" (allowed: ${list})`,
      'FieldValueForbidden',
    );
  }
}
