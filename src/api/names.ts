// Name rules as Kubernetes applies them: DNS-1123 for object names, qualified names and
// label values for labels (k8s.io/apimachinery/pkg/util/validation), and generateName.

const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a DNS-1123 label (max 63), or undefined when it is one. */
export function dns1123LabelError(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `must be no more than 63 characters (has ${name.length})`;
  if (!label.test(name)) {
    return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')";
  }
  return undefined;
}

/** Why `name` is not a DNS-1123 subdomain (max 253), or undefined when it is one. */
export function dns1123SubdomainError(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 253) return `must be no more than 253 characters (has ${name.length})`;
  if (!subdomain.test(name)) {
    return "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
  }
  return undefined;
}

const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why `key` is not a qualified name (`[prefix/]name`, as label keys are), or undefined. */
export function qualifiedNameError(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    const problem = dns1123SubdomainError(prefix);
    if (problem !== undefined) return `prefix must be a DNS-1123 subdomain: it ${problem}`;
  }
  if (name.length === 0) return 'name part must not be empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!labelName.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. Empty values are allowed. */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!labelName.test(value)) {
    return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

// Kubernetes' suffix alphabet: no vowels (no accidental words) and no look-alike characters.
const suffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
/** Length of the random suffix `generateName` gets. */
export const nameSuffixLength = 5;

/** The random part of a name made from `generateName`, e.g. `x7bkq`. Web Crypto, so
 * this module stays usable outside Node (the dashboard). */
export function randomNameSuffix(): string {
  const draws = crypto.getRandomValues(new Uint32Array(nameSuffixLength));
  return Array.from(draws, (n) => suffixAlphabet[n % suffixAlphabet.length]).join('');
}
