// Admission step 2: names. Object names are DNS-1123 labels or subdomains as the kind
// requires (a ClusterDeployment name becomes host names, so it must be a label);
// namespaces are labels. `generateName` gets a random suffix, as in Kubernetes.
import {
  dns1123LabelError,
  dns1123SubdomainError,
  nameSuffixLength,
  randomNameSuffix,
  type FieldCause,
  type KindDefinition,
} from '../../api/index.ts';
import type { AdmissionContext } from './types.ts';

function nameError(kind: KindDefinition, name: string): string | undefined {
  return kind.nameFormat === 'label' ? dns1123LabelError(name) : dns1123SubdomainError(name);
}

function maxNameLength(kind: KindDefinition): number {
  return kind.nameFormat === 'label' ? 63 : 253;
}

/** Problems with the name and namespace; generates the name from generateName. */
export function checkNames(ctx: AdmissionContext): FieldCause[] {
  const { kind, operation } = ctx.request;
  const meta = ctx.object.metadata;
  const causes: FieldCause[] = [];
  const hasName = typeof meta.name === 'string' && meta.name !== '';
  if (
    operation === 'create' &&
    !hasName &&
    typeof meta.generateName === 'string' &&
    meta.generateName !== ''
  ) {
    // Truncate the prefix so prefix + suffix still fits, as Kubernetes does.
    const prefix = meta.generateName.slice(0, maxNameLength(kind) - nameSuffixLength);
    meta.name = prefix + randomNameSuffix();
    const problem = nameError(kind, meta.name);
    if (problem !== undefined) {
      causes.push({
        field: 'metadata.generateName',
        message: `Invalid value: "${meta.generateName}": a prefix that ${problem}`,
        reason: 'FieldValueInvalid',
      });
    }
  } else if (!hasName) {
    if (meta.name === undefined || meta.name === '') {
      causes.push({
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        reason: 'FieldValueRequired',
      });
    }
    // A name of the wrong type is left to schema validation, which names the type.
  } else {
    const problem = nameError(kind, meta.name);
    if (problem !== undefined) {
      causes.push({
        field: 'metadata.name',
        message: `Invalid value: "${meta.name}": ${problem}`,
        reason: 'FieldValueInvalid',
      });
    }
  }
  if (typeof meta.namespace === 'string') {
    const problem = dns1123LabelError(meta.namespace);
    if (problem !== undefined) {
      causes.push({
        field: 'metadata.namespace',
        message: `Invalid value: "${meta.namespace}": ${problem}`,
        reason: 'FieldValueInvalid',
      });
    }
  }
  return causes;
}
