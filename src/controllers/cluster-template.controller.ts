// ClusterTemplate controller: says whether a template can be used. Its spec is
// immutable, so one pass per template (and per restart) is enough.
import { isDeepStrictEqual } from 'node:util';
import {
  ClusterTemplateConditions as Conditions,
  ClusterTemplateReasons as Reasons,
  type ClusterTemplate,
} from '../api/kinds/cluster-template.ts';
import type { Store } from '../store/types.ts';
import { falseCondition, setCondition, trueCondition, type ConditionInput } from './conditions.ts';
import type { BootstrapProviders, Events, InfrastructureProviders } from './dependencies.ts';
import { getIfExists, parseKey } from './objects.ts';
import type { ControllerOptions } from './runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from './runtime/types.ts';
import { formatProblems, ValuesSchemaCompiler } from './values.ts';

export interface ClusterTemplateControllerDeps {
  store: Store;
  infrastructure: InfrastructureProviders;
  bootstrap: BootstrapProviders;
  events: Events;
  /** Shared with the ClusterDeployment controller so each schema compiles once. */
  schemas?: ValuesSchemaCompiler;
}

export const clusterTemplateControllerName = 'clustertemplate';

/** What is wrong with a template, or a Valid condition saying nothing is. */
export function checkTemplate(
  template: ClusterTemplate,
  deps: Pick<ClusterTemplateControllerDeps, 'infrastructure' | 'bootstrap'> & {
    schemas: ValuesSchemaCompiler;
  },
): ConditionInput {
  const { provider, distribution, valuesSchema, defaults } = template.spec;
  if (!deps.infrastructure.get(provider)) {
    return falseCondition(
      Conditions.Valid,
      Reasons.UnknownProvider,
      `spec.provider: infrastructure provider "${provider}" is not known to this server`,
    );
  }
  if (!deps.bootstrap.get(distribution.name)) {
    return falseCondition(
      Conditions.Valid,
      Reasons.UnknownDistribution,
      `spec.distribution.name: distribution "${distribution.name}" is not known to this server`,
    );
  }
  if (valuesSchema !== undefined) {
    const compiled = deps.schemas.compile(valuesSchema);
    if (!compiled.ok) {
      return falseCondition(
        Conditions.Valid,
        Reasons.InvalidSchema,
        `spec.valuesSchema is not a valid JSON Schema: ${compiled.message}`,
      );
    }
    const problems = compiled.validate(defaults ?? {}, 'spec.defaults');
    if (problems.length > 0) {
      return falseCondition(
        Conditions.Valid,
        Reasons.InvalidDefaults,
        `defaults do not match spec.valuesSchema: ${formatProblems(problems)}`,
      );
    }
  }
  // The distribution's own values (K3s settings) must hold for the defaults too.
  const distributionSchema = deps.bootstrap.get(distribution.name)?.valuesSchema;
  if (distributionSchema !== undefined) {
    const compiled = deps.schemas.compile(distributionSchema);
    const problems = compiled.ok ? compiled.validate(defaults ?? {}, 'spec.defaults') : [];
    if (problems.length > 0) {
      return falseCondition(
        Conditions.Valid,
        Reasons.InvalidDefaults,
        `defaults do not match what ${distribution.name} accepts: ${formatProblems(problems)}`,
      );
    }
  }
  return trueCondition(Conditions.Valid, Reasons.TemplateValid, 'Template is valid');
}

export function clusterTemplateController(deps: ClusterTemplateControllerDeps): ControllerOptions {
  const schemas = deps.schemas ?? new ValuesSchemaCompiler();

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const template = await getIfExists<ClusterTemplate>(
      deps.store,
      'ClusterTemplate',
      namespace,
      name,
    );
    if (!template || template.metadata.deletionTimestamp) return {};

    const verdict = checkTemplate(template, { ...deps, schemas });
    const generation = template.metadata.generation;
    const status: NonNullable<ClusterTemplate['status']> = {
      ...template.status,
      valid: verdict.status === 'True',
      conditions: setCondition(template.status?.conditions, verdict, ctx.now(), generation),
    };
    if (verdict.status === 'True') delete status.validationError;
    else status.validationError = verdict.message ?? verdict.reason;
    if (generation !== undefined) status.observedGeneration = generation;

    if (!isDeepStrictEqual(status, template.status)) {
      const previous = template.status?.valid;
      await deps.store.updateStatus<ClusterTemplate>({ ...template, status });
      if (previous !== status.valid && !status.valid) {
        void deps.events.record(template, 'Warning', verdict.reason, verdict.message ?? '');
      }
    }
    return {};
  }

  return { name: clusterTemplateControllerName, forKind: 'ClusterTemplate', reconcile };
}
