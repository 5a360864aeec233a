// Request bodies: JSON or YAML for objects, JSON for the two patch types. Malformed
// input answers 400 naming the line and column; the size limit is Fastify's bodyLimit.
import { parseDocument } from 'yaml';
import { SlipwayError, StatusReason, badRequest } from '../api/index.ts';
import { jsonErrorOffset } from './json-error-offset.ts';

/** Kubernetes' limit on request bodies (apiserver `MaxRequestBodyBytes`). */
export const defaultBodyLimitBytes = 3 * 1024 * 1024;

export const MergePatchType = 'application/merge-patch+json';
export const JsonPatchType = 'application/json-patch+json';

const jsonTypes = new Set(['application/json']);
const yamlTypes = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);
/** Types that say nothing about the syntax; the body is sniffed. */
const sniffTypes = new Set(['', 'text/plain', 'application/octet-stream']);
const patchTypes = new Set([MergePatchType, JsonPatchType]);

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function unsupported(type: string, accepted: readonly string[]): SlipwayError {
  return new SlipwayError(
    StatusReason.UnsupportedMediaType,
    `the body of the request was in an unknown format (${type || 'none'}) - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * Decode a request body by its method and Content-Type. PATCH takes only the two
 * patch types (as Kubernetes does for custom resources); everything else takes JSON or
 * YAML, and a body without a useful Content-Type is read as JSON when it looks like
 * JSON and as YAML otherwise (YAML is a superset, but JSON errors read better).
 */
export function decodeBody(method: string, contentType: string | undefined, text: string): unknown {
  const type = mediaType(contentType);
  if (method === 'PATCH') {
    if (!patchTypes.has(type)) throw unsupported(type, [...patchTypes]);
    return text.length === 0 ? undefined : parseJson(text);
  }
  if (text.trim().length === 0) return undefined;
  if (jsonTypes.has(type)) return parseJson(text);
  if (yamlTypes.has(type)) return parseYaml(text);
  if (sniffTypes.has(type)) return /^\s*[{[]/.test(text) ? parseJson(text) : parseYaml(text);
  throw unsupported(type, ['application/json', 'application/yaml']);
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

// A key that turns into prototype pollution once a body is merged into another object.
const protoKey = /"__proto__"\s*:/;

export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    const { line, column } = lineColumn(text, jsonErrorOffset(text) ?? text.length);
    // V8 quotes the whole body in some messages; the position is enough and bodies may hold secrets.
    const reason = message
      .replace(/\s*(?:in JSON )?at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '');
    throw badRequest(`invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
  if (protoKey.test(text)) rejectProtoKeys(value);
  return value;
}

export function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem !== undefined) {
    const { line, column } = lineColumn(text, problem.pos[0]);
    throw badRequest(`invalid YAML at line ${line}, column ${column}: ${problem.message}`);
  }
  let value: unknown;
  try {
    // The default alias limit stops "billion laughs" documents.
    value = doc.toJS();
  } catch (err: unknown) {
    throw badRequest(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  rejectProtoKeys(value);
  return value;
}

function rejectProtoKeys(value: unknown, path = ''): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (key === '__proto__') {
      throw badRequest(`${field}: forbidden field name`, [
        { field, message: 'forbidden field name', reason: 'FieldValueForbidden' },
      ]);
    }
    rejectProtoKeys(child, field);
  }
}
