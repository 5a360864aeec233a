// The manifest `apply` last wrote, kept on the object as kubectl keeps
// `kubectl.kubernetes.io/last-applied-configuration`. It lets the next apply tell a
// label or annotation the manifest dropped (remove it) from one someone else added
// (keep it): the three-way merge of live object, last manifest and new manifest.
import type { AnyResource, KindDefinition } from '../api/index.ts';
import { isRecord } from './objects.ts';

export const lastAppliedAnnotation = 'slipway.dev/last-applied-configuration';

/** Fields of a manifest outside the kind's own (never secret). */
const envelopeFields = new Set(['apiVersion', 'kind', 'metadata']);

/** JSON with keys sorted, so reordering a file does not count as a change. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * What to record for `body` (the manifest as sent): all of it, without the record
 * itself. For kinds encrypted at rest only the envelope is kept: secret material must
 * not be copied into an annotation that `describe` and events show in the clear.
 */
export function lastAppliedRecord(kind: KindDefinition, body: Record<string, unknown>): string {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (kind.encryptedAtRest !== true || envelopeFields.has(key)) record[key] = value;
  }
  const metadata = isRecord(body['metadata']) ? { ...body['metadata'] } : {};
  if (isRecord(metadata['annotations'])) {
    const { [lastAppliedAnnotation]: _previous, ...annotations } = metadata['annotations'];
    if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
    else delete metadata['annotations'];
  }
  record['metadata'] = metadata;
  return canonicalJson(record);
}

/** The metadata map (`labels` or `annotations`) the last apply declared, if it recorded one. */
export function lastAppliedMap(
  live: AnyResource,
  field: 'labels' | 'annotations',
): Record<string, unknown> {
  const text = live.metadata.annotations?.[lastAppliedAnnotation];
  if (text === undefined) return {};
  try {
    const record = JSON.parse(text) as unknown;
    const metadata = isRecord(record) ? record['metadata'] : undefined;
    const map = isRecord(metadata) ? metadata[field] : undefined;
    return isRecord(map) ? map : {};
  } catch {
    return {}; // edited by hand into something else: merge without removing anything
  }
}
