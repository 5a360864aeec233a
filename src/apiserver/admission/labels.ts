// Label keys and values, checked as Kubernetes checks them: selectors parse them, so a
// label that cannot be selected on must not be stored.
import type { FieldCause } from '../../api/index.ts';
import { dns1123SubdomainError } from '../../api/index.ts';

const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function qualifiedNameError(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    const problem = dns1123SubdomainError(prefix);
    if (problem !== undefined) return `prefix part ${problem}`;
  }
  if (name.length === 0) return 'name part must not be empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!labelName.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!labelName.test(value)) {
    return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

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
