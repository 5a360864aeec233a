// Declarative apply of one object: create it, or replace what the manifest declares
// (spec and the other top-level fields, labels, annotations) while keeping what the
// server and controllers own (status, finalizers, owner references, other labels).
// Labels and annotations the previous apply declared and this manifest no longer does
// are removed (see last-applied.ts).
import type { AnyResource } from '../api/index.ts';
import type { ApiClient } from './client.ts';
import { isApiError } from './errors.ts';
import { lastAppliedAnnotation, lastAppliedMap, lastAppliedRecord } from './last-applied.ts';
import type { ManifestTarget } from './manifest-target.ts';
import { isRecord, jsonEqual } from './objects.ts';
import { resourcePath } from './resources.ts';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  action: ApplyAction;
  /** The object before the apply; undefined when it is created. */
  live: AnyResource | undefined;
  /** What the server stored, or would store in a dry run. */
  result: AnyResource;
}

/** Metadata the server sets; a manifest exported with `get -o yaml` may carry it. */
const serverManagedMetadata = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
];

/** Fields that are not part of what a manifest declares at the top level. */
const envelopeFields = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** How often a write that lost a race (409) is retried with a fresh read. */
const maxAttempts = 4;

/**
 * Create or update `target` so that the server holds what the manifest declares. The
 * update is previewed with a server-side dry run first: when the preview declares the
 * same as the live object, nothing is written and the result is `unchanged`. With
 * `dryRun`, nothing is written at all.
 */
export async function applyObject(
  client: ApiClient,
  target: ManifestTarget,
  options: { dryRun: boolean },
): Promise<ApplyResult> {
  const { kind, namespace, name } = target;
  const path = resourcePath(kind, namespace, name);
  const dryRunQuery = { dryRun: 'All' };
  for (let attempt = 1; ; attempt++) {
    try {
      const live = await getIfExists(client, path);
      if (!live) {
        const result = await client.request<AnyResource>('POST', resourcePath(kind, namespace), {
          body: createBody(target),
          query: options.dryRun ? dryRunQuery : {},
        });
        return { action: 'created', live, result };
      }
      const body = updateBody(live, target);
      const preview = await client.request<AnyResource>('PUT', path, { body, query: dryRunQuery });
      if (sameDeclaredState(live, preview)) return { action: 'unchanged', live, result: preview };
      if (options.dryRun) return { action: 'configured', live, result: preview };
      const result = await client.request<AnyResource>('PUT', path, { body });
      return { action: 'configured', live, result };
    } catch (err: unknown) {
      // Someone else created or changed the object between our read and write: read again.
      if (!isApiError(err, 409) || attempt >= maxAttempts) throw err;
    }
  }
}

async function getIfExists(client: ApiClient, path: string): Promise<AnyResource | undefined> {
  try {
    return await client.request<AnyResource>('GET', path);
  } catch (err: unknown) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

/** The manifest without server-managed metadata (and without status, which controllers own). */
function declared(target: ManifestTarget): ManifestTarget['object'] {
  const metadata = { ...target.object.metadata };
  for (const field of serverManagedMetadata) delete metadata[field];
  const body: ManifestTarget['object'] = { ...target.object, metadata };
  if (target.kind.hasStatus) delete body['status'];
  return body;
}

/** What a create sends: the declared object, with the record of this apply. */
export function createBody(target: ManifestTarget): Record<string, unknown> {
  const body = declared(target);
  const annotations = { ...asRecord(body.metadata['annotations']) };
  annotations[lastAppliedAnnotation] = lastAppliedRecord(target.kind, body);
  return { ...body, metadata: { ...body.metadata, annotations } };
}

/** The live object with the manifest's declared fields put in (see the file comment). */
export function updateBody(live: AnyResource, target: ManifestTarget): Record<string, unknown> {
  const desired = target.object;
  const wanted = desired.metadata;
  const metadata: Record<string, unknown> = { ...live.metadata };
  for (const field of ['labels', 'annotations'] as const) {
    const merged = { ...asRecord(metadata[field]) };
    const declaredNow = asRecord(wanted[field]);
    for (const key of Object.keys(lastAppliedMap(live, field))) {
      if (!(key in declaredNow)) delete merged[key];
    }
    Object.assign(merged, declaredNow);
    if (field === 'annotations') {
      merged[lastAppliedAnnotation] = lastAppliedRecord(target.kind, declared(target));
    }
    if (Object.keys(merged).length > 0) metadata[field] = merged;
    else delete metadata[field];
  }
  for (const field of ['finalizers', 'ownerReferences']) {
    if (wanted[field] !== undefined) metadata[field] = wanted[field];
  }
  const body: Record<string, unknown> = {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata,
  };
  for (const [key, value] of Object.entries(desired)) {
    if (!envelopeFields.has(key)) body[key] = value;
  }
  if (live.status !== undefined) body['status'] = live.status;
  return body;
}

/** Whether two versions of an object declare the same: top-level fields, labels, annotations. */
export function sameDeclaredState(a: AnyResource, b: AnyResource): boolean {
  const keys = new Set(
    [...Object.keys(a), ...Object.keys(b)].filter((k) => !envelopeFields.has(k)),
  );
  for (const key of keys) {
    if (!jsonEqual(a[key], b[key])) return false;
  }
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    if (!jsonEqual(emptyToUndefined(a.metadata[field]), emptyToUndefined(b.metadata[field]))) {
      return false;
    }
  }
  return true;
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function emptyToUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  if (isRecord(value)) return Object.keys(value).length === 0 ? undefined : value;
  return value;
}
