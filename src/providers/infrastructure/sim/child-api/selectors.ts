// List filtering of the simulated API: label selectors (Slipway's parser) and field
// selectors over any dotted field (`spec.nodeName=n1`, `status.phase!=Running`), which
// is what drain and `kubectl get pods --field-selector` need.
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import {
  matchesLabels,
  parseLabelSelector,
  type LabelRequirement,
} from '../../../../api/selector.ts';
import { fieldAt, type KubeObject } from './objects.ts';

interface FieldClause {
  path: string;
  equals: boolean;
  value: string;
}

export interface ListFilter {
  labels: LabelRequirement[];
  fields: FieldClause[];
}

export function parseFieldSelector(selector: string): FieldClause[] {
  if (selector.trim() === '') return [];
  return selector.split(',').map((raw) => {
    const clause = raw.trim();
    const match = /^([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)$/.exec(clause);
    if (!match) {
      throw new SlipwayError(
        StatusReason.BadRequest,
        `invalid field selector "${selector}": "${clause}" is not field=value or field!=value`,
      );
    }
    const [, path = '', op, value = ''] = match;
    return { path, equals: op !== '!=', value: value.trim() };
  });
}

export function parseListFilter(query: URLSearchParams): ListFilter {
  return {
    labels: parseLabelSelector(query.get('labelSelector') ?? ''),
    fields: parseFieldSelector(query.get('fieldSelector') ?? ''),
  };
}

function fieldValue(obj: KubeObject, path: string): string {
  // Cluster-scoped objects have the empty namespace, as in Kubernetes.
  if (path === 'metadata.namespace') return obj.metadata.namespace ?? '';
  const value = fieldAt(obj, path);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

export function matchesFilter(filter: ListFilter, obj: KubeObject): boolean {
  if (!matchesLabels(filter.labels, obj.metadata.labels)) return false;
  return filter.fields.every(
    (clause) => (fieldValue(obj, clause.path) === clause.value) === clause.equals,
  );
}
