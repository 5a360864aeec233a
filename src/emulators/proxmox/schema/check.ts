// The checks of PVE::JSONSchema (pve-common src/PVE/JSONSchema.pm: check_prop, check_object,
// check_type), written again in TypeScript so that the emulator rejects exactly what Proxmox
// rejects, with the same messages. Read there, not copied; Perl quirks kept are commented.

import {
  isPerlInteger,
  isPerlNumber,
  isUndef,
  perlRef,
  perlString,
  perlTrue,
} from './perl-value.ts';
import type { PveFormatKeys, PveParam } from './types.ts';

/** Problems by path (`vmid`, `net0.bridge`, `_root`), as PVE::JSONSchema collects them. */
export type ErrorMap = Map<string, string>;

/** What the checks need from the schema that owns them. */
export interface CheckContext {
  /** The message PVE's format check dies with (ending in a newline), or undefined if valid. */
  checkFormat(format: string | PveFormatKeys, value: string, path: string): string | undefined;
  /** A compiled schema pattern (see perlPattern). */
  pattern(source: string): RegExp;
}

/** PVE::JSONSchema::add_error. Several problems on one path are joined by a literal `\n`. */
export function addError(errors: ErrorMap, path: string, message: string): void {
  const key = path === '' ? '_root' : path;
  const previous = errors.get(key);
  // Perl joins with '\n' in single quotes: a backslash and an n, not a newline.
  errors.set(key, previous === undefined ? message : `${previous}\\n${message}`);
}

/** The own property `key` of a plain object, never one inherited from Object.prototype. */
export function own(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** PVE::JSONSchema::check_type. Form values are strings: only "1" and "0" are booleans. */
export function checkType(
  path: string,
  type: PveParam['type'],
  value: unknown,
  errors: ErrorMap,
): boolean {
  if (type === undefined || type === '') return true;
  if (isUndef(value)) return type === 'null';
  if (typeof type !== 'string') {
    if (type.some((one) => checkType(path, one, value, new Map()))) return true;
    addError(errors, path, `type check ('${type.join('|')}') failed`);
    return false;
  }
  if (type === 'any') return true;
  if (type === 'null') {
    addError(errors, path, `type check ('null') failed - value is not null`);
    return false;
  }
  const ref = perlRef(value);
  if (type === 'array' || type === 'object') {
    if (ref === (type === 'array' ? 'ARRAY' : 'HASH')) return true;
    addError(errors, path, `type check ('${type}') failed`);
    return false;
  }
  if (ref !== undefined) {
    if (type === 'boolean' && ref === 'JSON::PP::Boolean') return true;
    addError(errors, path, `type check ('${type}') failed - got ${ref}`);
    return false;
  }
  const text = perlString(value);
  const ok =
    type === 'boolean'
      ? text === '1' || text === '0'
      : type === 'integer'
        ? isPerlInteger(text)
        : type === 'number'
          ? isPerlNumber(text)
          : true; // strings and unknown types: nothing to check
  if (!ok) addError(errors, path, `type check ('${type}') failed - got '${text}'`);
  return ok;
}

/** PVE::JSONSchema::check_prop: one value against one property schema. */
export function checkProp(
  context: CheckContext,
  value: unknown,
  schema: PveParam,
  path: string,
  errors: ErrorMap,
  instanceType?: string,
): void {
  let optionalForType = false;
  if (schema.oneOf !== undefined) {
    if (schema['type-property'] !== undefined) {
      optionalForType = true;
      for (const inner of instanceType === undefined ? [] : schema.oneOf) {
        const types = inner['instance-types'];
        if (types === undefined) {
          addError(errors, path, "missing 'instance-types' in oneOf alternative");
          return;
        }
        if (!types.includes(instanceType ?? '')) continue;
        optionalForType = perlTrue(inner.optional);
        checkProp(context, value, inner, path, errors);
      }
    } else {
      const tried: ErrorMap[] = [];
      const valid = schema.oneOf.some((inner, index) => {
        const innerErrors: ErrorMap = new Map();
        checkProp(context, value, inner, `${path}.oneOf[${index}]`, innerErrors);
        tried.push(innerErrors);
        return innerErrors.size === 0;
      });
      if (!valid) for (const one of tried) for (const [p, m] of one) addError(errors, p, m);
    }
  } else if (instanceType !== undefined && schema['instance-types'] === undefined) {
    addError(errors, path, "missing 'instance-types'");
    return;
  }
  if (schema.extends !== undefined) checkProp(context, value, schema.extends, path, errors);

  if (isUndef(value)) {
    if (schema.type === 'null') return;
    if (!perlTrue(schema.optional) && schema.alias === undefined && !schema.group) {
      if (!optionalForType) addError(errors, path, 'property is missing and it is not optional');
    }
    return;
  }
  if (!checkType(path, schema.type, value, errors)) return;
  if (schema.disallow !== undefined && checkType(path, schema.disallow, value, new Map())) {
    addError(errors, path, 'disallowed value was matched');
    return;
  }

  const ref = perlRef(value);
  if (ref === 'ARRAY') {
    const items = schema.items;
    if (items !== undefined) {
      (value as unknown[]).forEach((item, index) =>
        checkProp(context, item, items, `${path}[${index}]`, errors),
      );
    }
    return;
  }
  if (ref !== undefined) {
    // In Perl an empty `properties => {}` is true; the JSON dump drops empty maps, so the
    // loader puts `properties: {}` back on every parameter schema.
    if (schema.properties !== undefined || allowsExtra(schema.additionalProperties)) {
      checkObject(
        context,
        path,
        schema.properties ?? {},
        value,
        schema.additionalProperties,
        errors,
      );
    }
    return;
  }
  checkScalar(context, perlString(value), schema, path, errors);
}

function checkScalar(
  context: CheckContext,
  text: string,
  schema: PveParam,
  path: string,
  errors: ErrorMap,
): void {
  if (schema.format !== undefined) {
    const problem = context.checkFormat(schema.format, text, path);
    if (problem !== undefined) {
      addError(errors, path, `invalid format - ${problem}`);
      return;
    }
  }
  if (schema.pattern !== undefined && !context.pattern(schema.pattern).test(text)) {
    addError(errors, path, 'value does not match the regex pattern');
    return;
  }
  const length = [...text].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (isPerlNumber(text)) {
    if (schema.maximum !== undefined && Number(text) > Number(schema.maximum)) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && Number(text) < Number(schema.minimum)) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((allowed) => String(allowed) === text)) {
    addError(
      errors,
      path,
      `value '${text}' does not have a value in the enumeration '${schema.enum.join(', ')}'`,
    );
  }
}

/** Perl truthiness of `additionalProperties`: 1 or a schema allow extra keys, 0 does not. */
function allowsExtra(additional: PveParam['additionalProperties']): boolean {
  if (typeof additional === 'object') return true;
  return perlTrue(additional);
}

/** PVE::JSONSchema::check_object: every schema key, then every key of the value. */
export function checkObject(
  context: CheckContext,
  path: string,
  schema: Readonly<Record<string, PveParam>>,
  value: unknown,
  additional: PveParam['additionalProperties'],
  errors: ErrorMap,
): void {
  if (perlRef(value) !== 'HASH') {
    addError(errors, path, 'an object is required');
    return;
  }
  const object = value as object;
  for (const [key, sub] of Object.entries(schema)) {
    checkProp(context, own(object, key), sub, join(path, key), errors, instanceType(sub, object));
  }
  for (const key of Object.keys(object)) {
    const keyPath = join(path, key);
    const sub = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (sub !== undefined) {
      const requires = sub.requires;
      if (typeof requires === 'object') {
        checkProp(context, object, requires, path, errors);
      } else if (requires !== undefined && isUndef(own(object, requires))) {
        addError(
          errors,
          join(path, requires),
          `missing property - '${keyPath}' requires this property`,
        );
      }
      if (oneOfMatches(sub, object)) continue;
    }
    if (additional !== undefined && !allowsExtra(additional)) {
      addError(
        errors,
        keyPath,
        'property is not defined in schema and the schema does not allow additional properties',
      );
      continue;
    }
    if (typeof additional === 'object') {
      checkProp(context, own(object, key), additional, keyPath, errors);
    }
  }
}

function instanceType(sub: PveParam, object: object): string | undefined {
  const property = sub['type-property'];
  if (property === undefined) return undefined;
  const type = own(object, property);
  return isUndef(type) ? undefined : perlString(type);
}

/** A key with `oneOf` only counts as defined if one alternative is for the object's type. */
function oneOfMatches(sub: PveParam, object: object): boolean {
  if (sub.oneOf === undefined) return true;
  const type = instanceType(sub, object) ?? '';
  return sub.oneOf.some((alternative) => {
    const types = alternative['instance-types'];
    return types === undefined || types.includes(type);
  });
}
