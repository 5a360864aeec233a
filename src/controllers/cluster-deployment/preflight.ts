// Before anything is created: the template and credential exist, are usable from the
// cluster's namespace and work, and the values (template defaults under spec.config)
// match the template's schema. Any failure names the field and creates nothing.
import {
  ClusterDeploymentConditions as Conditions,
  ClusterDeploymentReasons as Reasons,
  type ClusterDeployment,
} from '../../api/kinds/cluster-deployment.ts';
import type { ClusterTemplate } from '../../api/kinds/cluster-template.ts';
import type { Credential } from '../../api/kinds/credential.ts';
import type { BootstrapProvider } from '../../providers/bootstrap/types.ts';
import type { InfrastructureProvider } from '../../providers/infrastructure/types.ts';
import type { Store } from '../../store/types.ts';
import { checkTemplate } from '../cluster-template.controller.ts';
import {
  falseCondition,
  findCondition,
  trueCondition,
  unknownCondition,
  type ConditionInput,
} from '../conditions.ts';
import type { BootstrapProviders, InfrastructureProviders } from '../dependencies.ts';
import { resolveCredential, resolveTemplate } from '../references.ts';
import { formatProblems, mergeValues, type Values, type ValuesSchemaCompiler } from '../values.ts';
import { readClusterShape, type ClusterShape } from './shape.ts';

export interface Ready {
  ok: true;
  template: ClusterTemplate;
  credential: Credential;
  infrastructure: InfrastructureProvider;
  bootstrap: BootstrapProvider;
  values: Values;
  shape: ClusterShape;
  conditions: ConditionInput[];
}

export interface Blocked {
  ok: false;
  /** True for a state that resolves by itself (a credential not checked yet). */
  waiting: boolean;
  conditions: ConditionInput[];
  /** The condition that blocks, for events and the Ready condition. */
  blocker: ConditionInput;
}

export type PreflightResult = Ready | Blocked;

export interface PreflightDeps {
  store: Store;
  infrastructure: InfrastructureProviders;
  bootstrap: BootstrapProviders;
  schemas: ValuesSchemaCompiler;
}

function blocked(conditions: ConditionInput[], blocker: ConditionInput, waiting = false): Blocked {
  return { ok: false, waiting, conditions: [...conditions, blocker], blocker };
}

export async function preflight(
  deps: PreflightDeps,
  cluster: ClusterDeployment,
): Promise<PreflightResult> {
  const namespace = cluster.metadata.namespace ?? '';
  const { spec } = cluster;
  const conditions: ConditionInput[] = [];

  const template = await resolveTemplate(deps.store, namespace, spec.template);
  if (!template || template.metadata.deletionTimestamp) {
    return blocked(
      conditions,
      falseCondition(
        Conditions.TemplateReady,
        Reasons.TemplateNotFound,
        `spec.template: ClusterTemplate "${spec.template}" does not exist in namespace ${namespace} or in slipway-system`,
      ),
    );
  }
  const verdict = checkTemplate(template, deps);
  if (verdict.status !== 'True') {
    return blocked(
      conditions,
      falseCondition(
        Conditions.TemplateReady,
        Reasons.TemplateInvalid,
        `spec.template: ClusterTemplate "${spec.template}" is not valid: ${verdict.message ?? verdict.reason}`,
      ),
    );
  }
  const infrastructure = deps.infrastructure.get(template.spec.provider);
  const bootstrap = deps.bootstrap.get(template.spec.distribution.name);
  if (!infrastructure || !bootstrap) throw new Error('checkTemplate passed an unknown provider');

  const values = mergeValues(template.spec.defaults, spec.config);
  const problems = [];
  if (template.spec.valuesSchema !== undefined) {
    const compiled = deps.schemas.compile(template.spec.valuesSchema);
    if (compiled.ok) problems.push(...compiled.validate(values, 'spec.config'));
  }
  if (bootstrap.valuesSchema !== undefined) {
    const compiled = deps.schemas.compile(bootstrap.valuesSchema);
    if (compiled.ok) problems.push(...compiled.validate(values, 'spec.config'));
  }
  const shape = readClusterShape(values);
  if (!shape.ok) problems.push(...shape.problems);
  if (problems.length > 0 || !shape.ok) {
    const unique = [...new Map(problems.map((p) => [`${p.field}: ${p.message}`, p])).values()];
    return blocked(
      conditions,
      falseCondition(
        Conditions.TemplateReady,
        Reasons.InvalidConfig,
        `values for template ${template.metadata.name} are invalid: ${formatProblems(unique)}`,
      ),
    );
  }
  conditions.push(
    trueCondition(
      Conditions.TemplateReady,
      Reasons.AsExpected,
      `template ${template.metadata.name}: ${template.spec.distribution.name} ${template.spec.distribution.version} on ${template.spec.provider}`,
    ),
  );

  const credential = await resolveCredential(deps.store, namespace, spec.credential);
  if (!credential || credential.metadata.deletionTimestamp) {
    return blocked(
      conditions,
      falseCondition(
        Conditions.CredentialReady,
        Reasons.CredentialNotFound,
        `spec.credential: Credential "${spec.credential}" does not exist in namespace ${namespace} or in slipway-system`,
      ),
    );
  }
  if (credential.spec.provider !== template.spec.provider) {
    return blocked(
      conditions,
      falseCondition(
        Conditions.CredentialReady,
        Reasons.CredentialNotReady,
        `spec.credential: Credential "${spec.credential}" is for provider "${credential.spec.provider}", but template ${template.metadata.name} needs "${template.spec.provider}"`,
      ),
    );
  }
  if (credential.status?.ready !== true) {
    const why = findCondition(credential.status?.conditions, 'Ready');
    if (!why) {
      return blocked(
        conditions,
        unknownCondition(
          Conditions.CredentialReady,
          Reasons.CredentialNotReady,
          `waiting for Credential "${spec.credential}" to be checked`,
        ),
        true,
      );
    }
    // An unreachable endpoint is usually a passing outage, not a broken credential.
    return blocked(
      conditions,
      falseCondition(
        Conditions.CredentialReady,
        Reasons.CredentialNotReady,
        `Credential "${spec.credential}" does not work: ${why.reason}${why.message ? `: ${why.message}` : ''}`,
      ),
      why.reason === 'Unreachable',
    );
  }
  conditions.push(
    trueCondition(
      Conditions.CredentialReady,
      Reasons.AsExpected,
      `credential ${spec.credential} works`,
    ),
  );
  return {
    ok: true,
    template,
    credential,
    infrastructure,
    bootstrap,
    values,
    shape: shape.shape,
    conditions,
  };
}
