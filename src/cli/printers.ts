// How `get` shows objects: kubectl-style tables with the kind's columns, YAML, JSON or names.
import { stringify } from 'yaml';
import type { AnyResource, KindDefinition, PrinterColumn } from '../api/index.ts';
import { formatAge } from './duration.ts';
import { evaluateJsonPath } from './json-path.ts';
import { objectRef } from './resources.ts';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

export interface TableOptions {
  wide: boolean;
  /** Add a NAMESPACE column first (namespaced kinds only). */
  withNamespace: boolean;
  nowMs: number;
}

/** Header and rows for objects of one kind: [NAMESPACE], NAME, then the kind's columns. */
export function resourceTable(
  kind: KindDefinition,
  objects: readonly AnyResource[],
  options: TableOptions,
): { header: string[]; rows: string[][] } {
  const columns = kind.columns.filter((column) => options.wide || !column.wide);
  const namespaceColumn = options.withNamespace && kind.namespaced;
  const header = [
    ...(namespaceColumn ? ['NAMESPACE'] : []),
    'NAME',
    ...columns.map((column) => column.name),
  ];
  const rows = objects.map((object) => [
    ...(namespaceColumn ? [object.metadata.namespace ?? ''] : []),
    object.metadata.name,
    ...columns.map((column) => columnValue(column, object, options.nowMs)),
  ]);
  return { header, rows };
}

/** One cell: the values the column's JSONPath selects, comma-separated; dates as ages. */
export function columnValue(column: PrinterColumn, object: unknown, nowMs: number): string {
  let values: unknown[];
  try {
    values = evaluateJsonPath(object, column.jsonPath);
  } catch {
    return '<error>';
  }
  if (column.type === 'date') {
    const first = values[0];
    return typeof first === 'string' ? formatAge(first, nowMs) : '';
  }
  return values
    .flatMap((value): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [value]))
    .map(scalarText)
    .join(',');
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** An object or list as YAML (a document per call, so watches can separate them with `---`). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `clusterdeployment/demo` lines, as `-o name` prints them. */
export function toNames(kind: KindDefinition, objects: readonly AnyResource[]): string {
  return objects.map((object) => `${objectRef(kind, object.metadata.name)}\n`).join('');
}
