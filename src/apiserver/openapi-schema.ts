// TypeBox schemas are JSON Schema; OpenAPI 3.0 wants a dialect of it. This converts
// one into the other: `const` becomes a one-value `enum`, unions of literals become
// enums, string-keyed records become `additionalProperties`, and schemas shared by
// every kind (ObjectMeta, Condition) become `$ref`s so the document stays readable.
import type { TSchema } from '@sinclair/typebox';

export type JsonSchema = { [key: string]: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts TypeBox schemas; `shared` maps schema objects (by identity) to component names. */
export function toOpenApiSchema(
  schema: TSchema | JsonSchema,
  shared: ReadonlyMap<object, string>,
  root = true,
): JsonSchema {
  const sharedName = shared.get(schema);
  if (!root && sharedName !== undefined) return { $ref: `#/components/schemas/${sharedName}` };
  const out: JsonSchema = {};
  // Object.entries skips TypeBox's symbol-keyed bookkeeping, which is not part of the schema.
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id') continue;
    if (key === 'const') {
      out['enum'] = [value];
    } else if (key === 'patternProperties' && isObject(value)) {
      const entries = Object.values(value);
      if (entries.length === 1 && isObject(entries[0])) {
        out['additionalProperties'] = toOpenApiSchema(entries[0], shared, false);
      }
    } else if (key === 'properties' && isObject(value)) {
      out['properties'] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [
          name,
          isObject(child) ? toOpenApiSchema(child, shared, false) : child,
        ]),
      );
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      const members = value.filter(isObject);
      const literals = members.every((m) => 'const' in m)
        ? members.map((m) => m['const'])
        : undefined;
      const types = new Set(members.map((m) => m['type']));
      if (literals !== undefined && types.size === 1) {
        out['type'] = members[0]?.['type'];
        out['enum'] = literals;
      } else {
        out[key] = members.map((m) => toOpenApiSchema(m, shared, false));
      }
    } else if (
      (key === 'items' || key === 'additionalProperties' || key === 'not') &&
      isObject(value)
    ) {
      out[key] = toOpenApiSchema(value, shared, false);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Every `$ref` in a document, for checks that they all resolve. */
export function collectRefs(value: unknown, refs: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, refs);
  else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') refs.add(child);
      else collectRefs(child, refs);
    }
  }
  return refs;
}
