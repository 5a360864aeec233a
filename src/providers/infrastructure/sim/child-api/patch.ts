// PATCH for the simulated API: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch. The strategic form is approximated without OpenAPI schemas:
// lists Kubernetes merges by key (containers by name, conditions by type, …) are
// merged by that key, other lists are replaced, and the `$patch`, `$retainKeys`,
// `$setElementOrder/` and `$deleteFromPrimitiveList/` directives are honoured or dropped
// the way kubectl's patches need. Server-side apply is treated as a merge.
import jsonPatch, { type Operation } from 'fast-json-patch';
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import { isRecord } from './objects.ts';

export const PatchContentType = {
  Json: 'application/json-patch+json',
  Merge: 'application/merge-patch+json',
  Strategic: 'application/strategic-merge-patch+json',
  Apply: 'application/apply-patch+yaml',
} as const;
export type PatchContentType = (typeof PatchContentType)[keyof typeof PatchContentType];

/** List fields Kubernetes merges by a key in strategic merge patches. */
const mergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  addresses: 'type',
};

function badPatch(message: string): SlipwayError {
  return new SlipwayError(StatusReason.BadRequest, message);
}

function mergeObject(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  strategic: boolean,
): Record<string, unknown> {
  if (strategic && patch['$patch'] === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return rest;
  }
  if (strategic && patch['$patch'] === 'delete') return {};
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (strategic && key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((item) => !value.includes(item));
      }
      continue;
    }
    if (strategic && (key.startsWith('$') || key.startsWith('$setElementOrder/'))) continue;
    if (value === null) {
      delete result[key];
    } else if (isRecord(value)) {
      result[key] = mergeObject(isRecord(result[key]) ? result[key] : {}, value, strategic);
    } else if (strategic && Array.isArray(value) && mergeKeys[key] !== undefined) {
      result[key] = mergeList(result[key], value, mergeKeys[key]);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function mergeList(current: unknown, patch: unknown[], mergeKey: string): unknown[] {
  const result = Array.isArray(current) ? [...(current as unknown[])] : [];
  if (patch.some((item) => isRecord(item) && item['$patch'] === 'replace')) {
    return patch.filter((item) => !(isRecord(item) && item['$patch'] === 'replace'));
  }
  for (const item of patch) {
    if (!isRecord(item) || !(mergeKey in item)) {
      result.push(item);
      continue;
    }
    const index = result.findIndex((c) => isRecord(c) && c[mergeKey] === item[mergeKey]);
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = mergeObject(result[index] as Record<string, unknown>, item, true);
    } else {
      result.push(mergeObject({}, item, true));
    }
  }
  return result;
}

/** The patched document; `current` is not modified. */
export function applyPatch(type: PatchContentType, current: unknown, patch: unknown): unknown {
  if (type === PatchContentType.Json) {
    if (!Array.isArray(patch)) throw badPatch('a JSON patch must be a JSON array of operations');
    try {
      return jsonPatch.applyPatch(structuredClone(current), patch as Operation[], true, false)
        .newDocument;
    } catch (err: unknown) {
      const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'invalid patch';
      throw new SlipwayError(StatusReason.Invalid, `the JSON patch does not apply: ${message}`);
    }
  }
  if (!isRecord(patch)) throw badPatch('a merge patch must be a JSON object');
  const target = isRecord(current) ? current : {};
  return mergeObject(target, patch, type === PatchContentType.Strategic);
}

/** The patch type named by a Content-Type header, or undefined when it is none. */
export function patchTypeOf(contentType: string | undefined): PatchContentType | undefined {
  const base = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return (Object.values(PatchContentType) as string[]).includes(base)
    ? (base as PatchContentType)
    : undefined;
}
