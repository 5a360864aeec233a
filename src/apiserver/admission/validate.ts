// Admission step 3: the object matches its kind's schema. Validators are compiled once
// per kind; errors become causes with dotted field paths (`spec.config.workersNumber`),
// and fields the schema does not declare are named as unknown rather than dropped.
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { AnyResource, FieldCause, KindDefinition } from '../../api/index.ts';
import { metadataErrors } from './metadata.ts';

/** `/spec/services/0/name` → `spec.services[0].name`, the form Kubernetes uses in causes. */
export function fieldPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function literalValues(schema: TSchema): unknown[] | undefined {
  const anyOf: unknown = schema['anyOf'];
  if (!Array.isArray(anyOf)) return undefined;
  const values: unknown[] = [];
  for (const member of anyOf as TSchema[]) {
    if (!('const' in member)) return undefined;
    values.push(member['const']);
  }
  return values;
}

/** TypeBox's message with a lower-case first letter, the rest (patterns!) as written. */
function detail(error: ValueError): string {
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

/**
 * What is wrong with one value. `redact` leaves the value out: in a kind encrypted at
 * rest (Secret) any field but the envelope may hold secret material, and error messages
 * travel to clients, terminals and logs.
 */
function describe(error: ValueError, redact: boolean): { message: string; reason: string } {
  const value = redact ? undefined : (JSON.stringify(error.value) ?? 'undefined');
  const invalidValue = value === undefined ? 'Invalid value' : `Invalid value: ${value}`;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return { message: 'unknown field', reason: 'FieldValueInvalid' };
    case ValueErrorType.ObjectRequiredProperty:
      return { message: 'Required value', reason: 'FieldValueRequired' };
    case ValueErrorType.Union: {
      const values = literalValues(error.schema);
      if (values) {
        const supported = values.map((v) => JSON.stringify(v)).join(', ');
        return {
          message: `Unsupported value${value === undefined ? '' : `: ${value}`}: supported values: ${supported}`,
          reason: 'FieldValueNotSupported',
        };
      }
      break;
    }
    case ValueErrorType.StringFormat:
      if (error.schema['format'] === 'date-time') {
        return {
          message: `${invalidValue}: must be an RFC 3339 date-time`,
          reason: 'FieldValueInvalid',
        };
      }
      break;
    default:
      break;
  }
  return { message: `${invalidValue}: ${detail(error)}`, reason: 'FieldValueInvalid' };
}

/** Envelope fields, whose values are never secret. */
function isEnvelope(pointer: string): boolean {
  return /^\/(?:apiVersion|kind|metadata)(?:\/|$)/.test(pointer);
}

/**
 * TypeBox refuses strings with a format it has no checker for, so the formats our
 * schemas use are registered here. The registry is TypeBox's own (process-wide); the
 * checks are the standard ones, so registering twice is harmless.
 */
function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) {
    const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
    FormatRegistry.Set(
      'date-time',
      (value) => rfc3339.test(value) && !Number.isNaN(Date.parse(value)),
    );
  }
}

export type SchemaValidator = (kind: KindDefinition, object: AnyResource) => FieldCause[];

export function createSchemaValidator(kinds: readonly KindDefinition[]): SchemaValidator {
  registerFormats();
  const checks = new Map<string, TypeCheck<TSchema>>();
  for (const kind of kinds) checks.set(kind.kind, TypeCompiler.Compile(kind.schema));
  return (kind, object) => {
    const check = checks.get(kind.kind);
    if (check === undefined) throw new Error(`no schema compiled for kind ${kind.kind}`);
    const causes = new Map<string, FieldCause>();
    if (!check.Check(object)) {
      const secret = kind.encryptedAtRest === true;
      // TypeBox reports a missing property twice (required, then wrong type): keep the first per field.
      for (const error of check.Errors(object)) {
        const field = fieldPath(error.path);
        const redact = secret && !isEnvelope(error.path);
        if (!causes.has(field)) causes.set(field, { field, ...describe(error, redact) });
      }
    }
    // Labels, annotations and finalizers the schema accepted as strings may still be
    // malformed: report those too (those of the wrong type the schema already named).
    const meta = object.metadata;
    const checked = metadataErrors({
      labels: stringMap(meta.labels),
      annotations: stringMap(meta.annotations),
      finalizers: stringList(meta.finalizers),
    });
    for (const cause of checked) if (!causes.has(cause.field)) causes.set(cause.field, cause);
    return [...causes.values()];
  };
}

/** The value, if it is a map of strings. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const values: unknown[] = Object.values(value);
  return values.every((v) => typeof v === 'string') ? (value as Record<string, string>) : undefined;
}

/** The value, if it is a list of strings. */
function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}
