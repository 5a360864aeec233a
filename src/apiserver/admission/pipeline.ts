// The admission pipeline, in order: decode → names → schema → defaults → immutability
// → address rules → upgrade path. Each step either changes the object or fails with a 4xx SlipwayError
// (name and schema problems are reported together). The caller writes to the store only
// with what `admit` returns, so nothing is stored when a step fails.
import {
  invalid,
  type AnyResource,
  type FieldCause,
  type KindDefinition,
} from '../../api/index.ts';
import { decodeObject } from './decode.ts';
import { createDefaulter } from './defaults.ts';
import { checkImmutableFields } from './immutability.ts';
import { checkNames } from './names.ts';
import { checkNetworkRules } from './network.ts';
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
      return ctx.object;
    },
  };
}
