// PATCH bodies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902), applied to a
// copy of the stored object. The result then goes through admission like a PUT body.
import jsonPatch, { type Operation } from 'fast-json-patch';
import { apply as applyMergePatch } from 'json-merge-patch';
import {
  SlipwayError,
  StatusReason,
  badRequest,
  invalid,
  isPlainObject,
  type AnyResource,
} from '../api/index.ts';
import { MergePatchType, type JsonPatchType } from './body.ts';
import { fieldPath } from './admission/validate.ts';

export type PatchType = typeof MergePatchType | typeof JsonPatchType;

// Errors that mean the patch does not fit this object (422), not that it is malformed (400).
const unfittingPatchErrors = new Set([
  'OPERATION_PATH_CANNOT_ADD',
  'OPERATION_PATH_UNRESOLVABLE',
  'OPERATION_FROM_UNRESOLVABLE',
  'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
  'OPERATION_VALUE_OUT_OF_BOUNDS',
  'TEST_OPERATION_FAILED',
]);

/** The patched object (not yet admitted). `current` is not modified. */
export function applyPatch(type: PatchType, current: AnyResource, patch: unknown): unknown {
  if (patch === undefined) throw badRequest('the patch is empty');
  const target = structuredClone(current);
  if (type === MergePatchType) {
    if (!isPlainObject(patch)) throw badRequest('a merge patch must be a JSON object');
    rejectUnmergeableKeys(patch);
    return applyMergePatch(target, patch);
  }
  if (!Array.isArray(patch)) throw badRequest('a JSON patch must be a JSON array of operations');
  try {
    return jsonPatch.applyPatch(target, patch as Operation[], true, true, true).newDocument;
  } catch (err: unknown) {
    // The library's message embeds the whole document, which may be a Secret: keep its first line only.
    const message =
      err instanceof Error ? (err.message.split('\n')[0] ?? 'invalid patch') : 'invalid patch';
    const name = err instanceof Error ? err.name : '';
    const index =
      typeof err === 'object' && err !== null && 'index' in err ? Number(err.index) : undefined;
    const op: unknown = index !== undefined ? (patch as unknown[])[index] : undefined;
    const path = isPlainObject(op) && typeof op['path'] === 'string' ? op['path'] : '';
    const where = index !== undefined ? `operation ${index}${path ? ` (${path})` : ''}: ` : '';
    if (unfittingPatchErrors.has(name)) {
      throw invalid(current.kind, current.metadata.name, [
        {
          field: fieldPath(path) || 'patch',
          message: `${where}${message}`,
          reason: 'FieldValueInvalid',
        },
      ]);
    }
    throw new SlipwayError(StatusReason.BadRequest, `invalid JSON patch: ${where}${message}`);
  }
}

// json-merge-patch guards against prototype pollution by silently skipping the rest of
// an object once it meets one of these keys; say so instead of applying half a patch.
const unmergeableKeys = new Set(['__proto__', 'constructor', 'prototype']);

function rejectUnmergeableKeys(patch: Record<string, unknown>, path = ''): void {
  for (const [key, value] of Object.entries(patch)) {
    const field = path ? `${path}.${key}` : key;
    if (unmergeableKeys.has(key)) {
      const message = `a merge patch cannot set a field named "${key}"; use a JSON patch`;
      throw badRequest(`${field}: ${message}`, [{ field, message, reason: 'FieldValueForbidden' }]);
    }
    if (isPlainObject(value)) rejectUnmergeableKeys(value, field);
  }
}

/** Whether the patch sets metadata.resourceVersion, i.e. asks for an optimistic-concurrency check. */
export function patchSetsResourceVersion(type: PatchType, patch: unknown): boolean {
  if (type === MergePatchType) {
    return (
      isPlainObject(patch) &&
      isPlainObject(patch['metadata']) &&
      patch['metadata']['resourceVersion'] != null
    );
  }
  return (
    Array.isArray(patch) &&
    patch.some(
      (op: unknown) =>
        isPlainObject(op) &&
        typeof op['path'] === 'string' &&
        op['path'].startsWith('/metadata/resourceVersion'),
    )
  );
}
