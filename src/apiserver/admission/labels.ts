// Label keys and values, checked as Kubernetes checks them: selectors parse them, so a
// label that cannot be selected on must not be stored.
import { labelValueError, qualifiedNameError, type FieldCause } from '../../api/index.ts';

export function labelErrors(labels: Record<string, string> | undefined): FieldCause[] {
  if (labels === undefined) return [];
  const causes: FieldCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = qualifiedNameError(key);
    if (keyProblem !== undefined) {
      causes.push({
        field: 'metadata.labels',
        message: `Invalid value: ${JSON.stringify(key)}: ${keyProblem}`,
        reason: 'FieldValueInvalid',
      });
    }
    const valueProblem = labelValueError(value);
    if (valueProblem !== undefined) {
      causes.push({
        field: `metadata.labels[${JSON.stringify(key)}]`,
        message: `Invalid value: ${JSON.stringify(value)}: ${valueProblem}`,
        reason: 'FieldValueInvalid',
      });
    }
  }
  return causes;
}
