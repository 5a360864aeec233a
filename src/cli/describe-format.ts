// The text `slipway describe` prints for one object, in kubectl's layout.
import { stringify } from 'yaml';
import type { AnyResource, KindDefinition } from '../api/index.ts';
import { formatAge } from './duration.ts';
import { isRecord } from './objects.ts';
import { formatTable } from './table.ts';

/** Fields shown in their own sections, not among the other top-level fields. */
const ownSections = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** The events whose involvedObject is `object` (by uid when both have one), oldest first. */
export function eventsFor(
  events: readonly AnyResource[],
  kind: KindDefinition,
  object: AnyResource,
): AnyResource[] {
  return events
    .filter((event) => {
      const involved = isRecord(event['involvedObject']) ? event['involvedObject'] : {};
      if (involved['kind'] !== kind.kind || involved['name'] !== object.metadata.name) return false;
      const uid = involved['uid'];
      return uid === undefined || object.metadata.uid === undefined || uid === object.metadata.uid;
    })
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
}

/** Everything about one object, ready to print (ends with a newline). */
export function describeObject(
  object: AnyResource,
  events: readonly AnyResource[] | Error,
  nowMs: number,
): string {
  const meta = object.metadata;
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(14)}${value}`);
  field('Name', meta.name);
  if (meta.namespace) field('Namespace', meta.namespace);
  field('Labels', keyValues(meta.labels));
  field('Annotations', keyValues(meta.annotations));
  field('API Version', object.apiVersion);
  field('Kind', object.kind);
  lines.push('Metadata:');
  const created = meta.creationTimestamp;
  if (created) lines.push(`  Creation Timestamp:  ${created} (${formatAge(created, nowMs)} ago)`);
  if (meta.deletionTimestamp) lines.push(`  Deletion Timestamp:  ${meta.deletionTimestamp}`);
  if (meta.generation !== undefined) lines.push(`  Generation:          ${meta.generation}`);
  if (meta.resourceVersion) lines.push(`  Resource Version:    ${meta.resourceVersion}`);
  if (meta.uid) lines.push(`  UID:                 ${meta.uid}`);
  if (meta.finalizers?.length) lines.push(`  Finalizers:          ${meta.finalizers.join(', ')}`);
  for (const owner of meta.ownerReferences ?? []) {
    const controller = owner.controller ? ' (controller)' : '';
    lines.push(`  Owner:               ${owner.kind}/${owner.name}${controller}`);
  }
  for (const [key, value] of Object.entries(object)) {
    if (ownSections.has(key) || value === undefined) continue;
    if (isRecord(value) || Array.isArray(value)) {
      lines.push(`${sectionTitle(key)}:`, ...yamlBlock(key === 'data' ? dataSizes(value) : value));
    } else {
      field(sectionTitle(key), text(value));
    }
  }
  const status = isRecord(object.status) ? object.status : undefined;
  const { conditions, ...rest } = status ?? {};
  if (status && Object.keys(rest).length > 0) lines.push('Status:', ...yamlBlock(rest));
  lines.push('Conditions:', ...conditionTable(conditions, nowMs));
  lines.push('Events:', ...eventTable(events, nowMs));
  return `${lines.join('\n')}\n`;
}

function keyValues(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return '<none>';
  return entries.map(([k, v], i) => `${i > 0 ? ' '.repeat(14) : ''}${k}=${v}`).join('\n');
}

/** `spec` → `Spec`, `involvedObject` → `Involved Object`. */
function sectionTitle(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function yamlBlock(value: unknown): string[] {
  if (!isRecord(value) && !Array.isArray(value)) return [`  ${String(value)}`];
  return stringify(value, { lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);
}

/** Secret values are never shown, only their sizes, as kubectl does. */
function dataSizes(data: unknown): unknown {
  if (!isRecord(data)) return data;
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      `${typeof value === 'string' ? Buffer.from(value, 'base64').length : 0} bytes`,
    ]),
  );
}

function conditionTable(conditions: unknown, nowMs: number): string[] {
  if (!Array.isArray(conditions) || conditions.length === 0) return ['  <none>'];
  const rows = conditions
    .filter(isRecord)
    .map((c) => [
      text(c['type']),
      text(c['status']),
      text(c['reason']),
      typeof c['lastTransitionTime'] === 'string' ? formatAge(c['lastTransitionTime'], nowMs) : '',
      text(c['message']),
    ]);
  return indent(formatTable(['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'], rows));
}

function eventTable(events: readonly AnyResource[] | Error, nowMs: number): string[] {
  if (events instanceof Error) return [`  <unable to list events: ${events.message}>`];
  if (events.length === 0) return ['  <none>'];
  const rows = events.map((event) => {
    const last = eventTime(event);
    const first = text(event['firstTimestamp']);
    const count = typeof event['count'] === 'number' ? event['count'] : 1;
    const age = last ? formatAge(last, nowMs) : '';
    const source = isRecord(event['source']) ? text(event['source']['component']) : '';
    return [
      text(event['type']),
      text(event['reason']),
      count > 1 && first ? `${age} (x${count} over ${formatAge(first, nowMs)})` : age,
      source,
      text(event['message']),
    ];
  });
  return indent(formatTable(['TYPE', 'REASON', 'AGE', 'FROM', 'MESSAGE'], rows));
}

function eventTime(event: AnyResource): string {
  return (
    text(event['lastTimestamp']) ||
    text(event['firstTimestamp']) ||
    (event.metadata.creationTimestamp ?? '')
  );
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

function indent(table: string): string[] {
  return table
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);
}
