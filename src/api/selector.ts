// Kubernetes label and field selectors: parsing the string forms users type
// (`tier=web,env in (prod,stage),!legacy`) and the LabelSelector objects specs carry,
// and matching objects against them. Grammar and semantics follow
// k8s.io/apimachinery/pkg/labels and pkg/fields.
import { badRequest, type SlipwayError } from './errors.ts';
import { labelValueError, qualifiedNameError } from './names.ts';
import type { LabelSelector } from './meta.ts';

export type LabelOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One clause of a label selector; all clauses must hold (AND). */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** One value for Equals/NotEquals, one or more for In/NotIn, none otherwise. */
  values: readonly string[];
}

export type SelectableField = 'metadata.name' | 'metadata.namespace';

export interface FieldRequirement {
  field: SelectableField;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

type Labels = Readonly<Record<string, string>> | undefined;

const selectableFields: readonly SelectableField[] = ['metadata.name', 'metadata.namespace'];

function isSelectableField(field: string): field is SelectableField {
  return (selectableFields as readonly string[]).includes(field);
}
/** Why `key` is not a valid label key (`[prefix/]name`), or undefined. */
function labelKeyError(key: string): string | undefined {
  const problem = qualifiedNameError(key);
  return problem === undefined ? undefined : `label key "${key}": ${problem}`;
}

/** Why `value` is not a valid label value, or undefined. Empty values are allowed. */
function labelValueProblem(value: string): string | undefined {
  const problem = labelValueError(value);
  return problem === undefined ? undefined : `label value "${value}": ${problem}`;
}

function selectorError(param: string, selector: string, detail: string): SlipwayError {
  return badRequest(`invalid ${param} "${selector}": ${detail}`, [
    { field: param, message: detail, reason: 'FieldValueInvalid' },
  ]);
}

/** Split on commas that are not inside parentheses. */
function splitClauses(selector: string): string[] | string {
  const clauses: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return 'unbalanced ")"';
    else if (c === ',' && depth === 0) {
      clauses.push(selector.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) return 'missing ")"';
  clauses.push(selector.slice(start).trim());
  return clauses;
}

const setClause = /^(\S+)\s+(in|notin)\s*\((.*)\)$/;
const equalityClause = /^([^\s=!<>]+)\s*(==|!=|=)\s*(.*)$/;
const bareKey = /^[^\s=!<>(),]+$/;

function parseClause(clause: string): LabelRequirement | string {
  if (clause === '') return 'empty requirement (stray comma?)';
  if (clause.startsWith('!')) {
    const key = clause.slice(1).trim();
    if (!bareKey.test(key)) return `"${clause}": expected a label key after "!"`;
    return labelKeyError(key) ?? { key, operator: 'DoesNotExist', values: [] };
  }
  const set = setClause.exec(clause);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    if (list.trim() === '') return `"${clause}": the values set of "${op}" must not be empty`;
    const bad = labelKeyError(key) ?? values.map(labelValueProblem).find((e) => e !== undefined);
    if (bad) return bad;
    return { key, operator: op === 'in' ? 'In' : 'NotIn', values: [...new Set(values)] };
  }
  const eq = equalityClause.exec(clause);
  if (eq) {
    const [, key = '', op, value = ''] = eq;
    const v = value.trim();
    if (/[\s=!(),]/.test(v)) return `"${clause}": invalid value "${v}"`;
    const bad = labelKeyError(key) ?? labelValueProblem(v);
    if (bad) return bad;
    return { key, operator: op === '!=' ? 'NotEquals' : 'Equals', values: [v] };
  }
  if (/[<>]/.test(clause)) return `"${clause}": operators "<" and ">" are not supported`;
  if (bareKey.test(clause))
    return labelKeyError(clause) ?? { key: clause, operator: 'Exists', values: [] };
  return `"${clause}": expected one of key, !key, key=value, key==value, key!=value, key in (a,b), key notin (a,b)`;
}

/**
 * Parse a label selector string. An empty string selects everything.
 * Throws BadRequest naming the clause that is wrong.
 *
 * @example parseLabelSelector('env in (prod,stage),tier!=db,!legacy')
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  const clauses = splitClauses(selector);
  if (typeof clauses === 'string') throw selectorError('labelSelector', selector, clauses);
  return clauses.map((clause) => {
    const req = parseClause(clause);
    if (typeof req === 'string') throw selectorError('labelSelector', selector, req);
    return req;
  });
}

function matchesRequirement(req: LabelRequirement, labels: Labels): boolean {
  const value = labels && Object.hasOwn(labels, req.key) ? labels[req.key] : undefined;
  switch (req.operator) {
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Equals':
    case 'In':
      return value !== undefined && req.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      // As in Kubernetes, a missing label satisfies != and notin.
      return value === undefined || !req.values.includes(value);
  }
}

/** Whether `labels` satisfy every requirement. No requirements match everything. */
export function matchesLabels(requirements: readonly LabelRequirement[], labels: Labels): boolean {
  return requirements.every((r) => matchesRequirement(r, labels));
}

/**
 * The requirements of a LabelSelector object (matchLabels AND matchExpressions).
 * An empty selector selects everything, as in Kubernetes. Throws BadRequest with the
 * field path (under `fieldPath`) of the bad entry.
 */
export function labelSelectorRequirements(
  selector: LabelSelector,
  fieldPath = 'selector',
): LabelRequirement[] {
  const fail = (field: string, message: string) =>
    badRequest(`invalid ${field}: ${message}`, [{ field, message, reason: 'FieldValueInvalid' }]);
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const bad = labelKeyError(key) ?? labelValueProblem(value);
    if (bad) throw fail(`${fieldPath}.matchLabels`, bad);
    reqs.push({ key, operator: 'Equals', values: [value] });
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const path = `${fieldPath}.matchExpressions[${i}]`;
    const keyError = labelKeyError(expr.key);
    if (keyError) throw fail(`${path}.key`, keyError);
    const values = expr.values ?? [];
    const setBased = expr.operator === 'In' || expr.operator === 'NotIn';
    if (setBased && values.length === 0) {
      throw fail(`${path}.values`, `must be specified when operator is ${expr.operator}`);
    }
    if (!setBased && values.length > 0) {
      throw fail(`${path}.values`, `may not be specified when operator is ${expr.operator}`);
    }
    const badValue = values.map(labelValueProblem).find((e) => e !== undefined);
    if (badValue) throw fail(`${path}.values`, badValue);
    reqs.push({ key: expr.key, operator: expr.operator, values: [...new Set(values)] });
  });
  return reqs;
}

/** Whether `labels` match a LabelSelector object (see labelSelectorRequirements). */
export function matchesLabelSelector(selector: LabelSelector, labels: Labels): boolean {
  return matchesLabels(labelSelectorRequirements(selector), labels);
}

/** The string form of requirements, accepted by parseLabelSelector and the store's list/watch. */
export function formatLabelSelector(requirements: readonly LabelRequirement[]): string {
  return requirements
    .map(({ key, operator, values }) => {
      switch (operator) {
        case 'Exists':
          return key;
        case 'DoesNotExist':
          return `!${key}`;
        case 'Equals':
          return `${key}=${values[0] ?? ''}`;
        case 'NotEquals':
          return `${key}!=${values[0] ?? ''}`;
        case 'In':
          return `${key} in (${values.join(',')})`;
        case 'NotIn':
          return `${key} notin (${values.join(',')})`;
      }
    })
    .join(',');
}

/**
 * Parse a field selector over `metadata.name` and `metadata.namespace`
 * (`=`, `==`, `!=`, comma-separated). Any other field is a BadRequest naming it.
 */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return selector.split(',').map((raw) => {
    const clause = raw.trim();
    const m = /^([^\s=!]+)\s*(==|!=|=)\s*([^\s=!]*)$/.exec(clause);
    if (!m) {
      throw selectorError(
        'fieldSelector',
        selector,
        `"${clause}": expected field=value, field==value or field!=value`,
      );
    }
    const [, field = '', op, value = ''] = m;
    if (!isSelectableField(field)) {
      throw selectorError(
        'fieldSelector',
        selector,
        `field "${field}" is not supported; use metadata.name or metadata.namespace`,
      );
    }
    return {
      field,
      operator: op === '!=' ? 'NotEquals' : 'Equals',
      value,
    };
  });
}

/** Whether an object's name and namespace satisfy every field requirement. */
export function matchesFields(
  requirements: readonly FieldRequirement[],
  obj: { metadata: { name: string; namespace?: string } },
): boolean {
  return requirements.every(({ field, operator, value }) => {
    // Cluster-scoped objects have the empty namespace, as in Kubernetes.
    const actual = field === 'metadata.name' ? obj.metadata.name : (obj.metadata.namespace ?? '');
    return operator === 'Equals' ? actual === value : actual !== value;
  });
}
