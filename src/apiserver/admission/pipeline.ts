// The admission pipeline, in order: decode → names → schema → defaults → immutability
// → address rules → upgrade path → caller rules (project fields, internal secrets, token
// owners) → grants and quota of a project's clusters. Each step either changes the object or fails with a 4xx SlipwayError
// (name and schema problems are reported together). The caller writes to the store only
// with what `admit` returns, so nothing is stored when a step fails.
import {
  clusterDeploymentKind,
  invalid,
  type AnyResource,
  type FieldCause,
  type KindDefinition,
  type Project,
} from '../../api/index.ts';
import { decodeObject } from './decode.ts';
import { createDefaulter } from './defaults.ts';
import { checkClusterGrants } from './grants.ts';
import { checkImmutableFields } from './immutability.ts';
import { checkNames } from './names.ts';
import { checkNetworkRules } from './network.ts';
import { checkCallerRules } from './project.ts';
import { checkClusterQuota, type NamespaceList } from './quota.ts';
import type { AdmissionContext, AdmissionRequest, ObjectLookup } from './types.ts';
import { checkUpgradePath } from './upgrade-path.ts';
import { createSchemaValidator } from './validate.ts';

export interface Admission {
  /** The object to store, admitted; rejects with BadRequest or Invalid (with causes) otherwise. */
  admit(req: AdmissionRequest): Promise<AnyResource>;
}

export interface AdmissionDeps {
  /** Reads the other objects a rule depends on (the templates of an upgrade). */
  lookup: ObjectLookup;
  /**
   * The Project owning a namespace, if any; without it no project rules (grants, quota)
   * are checked.
   */
  projectOf?: (namespace: string) => Promise<AnyResource | undefined>;
  /** Lists a namespace's clusters for quota usage; without it quotas are not checked. */
  list?: NamespaceList;
}

/** Grants and quota, for a ClusterDeployment in a namespace that has a Project. */
async function checkProjectCluster(ctx: AdmissionContext, deps: AdmissionDeps): Promise<void> {
  const { kind, namespace, subresource, oldObject } = ctx.request;
  if (kind.kind !== clusterDeploymentKind.kind || namespace === undefined) return;
  if (subresource !== undefined) return;
  // A cluster on its way out (finalizers being removed) is not using anything new.
  if (oldObject?.metadata.deletionTimestamp !== undefined) return;
  const project = await deps.projectOf?.(namespace);
  if (project === undefined) return;
  await checkClusterGrants(ctx, project as Project, deps.lookup);
  if (deps.list) await checkClusterQuota(ctx, project as Project, deps.lookup, deps.list);
}

export function createAdmission(kinds: readonly KindDefinition[], deps: AdmissionDeps): Admission {
  const validateSchema = createSchemaValidator(kinds);
  const applyDefaults = createDefaulter(kinds);
  return {
    async admit(request) {
      const ctx: AdmissionContext = { request, object: decodeObject(request) };
      // Name and schema problems are reported together, once per field, so one
      // round trip shows everything wrong with the object.
      const causes = new Map<string, FieldCause>();
      for (const cause of [...checkNames(ctx), ...validateSchema(request.kind, ctx.object)]) {
        if (!causes.has(cause.field)) causes.set(cause.field, cause);
      }
      if (causes.size > 0) {
        const name: unknown = ctx.object.metadata.name;
        throw invalid(request.kind.kind, typeof name === 'string' ? name : '', [
          ...causes.values(),
        ]);
      }
      applyDefaults(ctx);
      checkImmutableFields(ctx);
      checkNetworkRules(ctx);
      await checkUpgradePath(ctx, deps.lookup);
      checkCallerRules(ctx);
      await checkProjectCluster(ctx, deps);
      return ctx.object;
    },
  };
}
