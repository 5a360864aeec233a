// Template values: the template's defaults merged under a cluster's spec.config, checked
// against the template's valuesSchema. The schema is written by users, so it gets a full
// JSON Schema validator (ajv, drafts 07, 2019-09 and 2020-12); TypeBox stays the schema
// library for Slipway's own kinds.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { isPlainObject } from '../api/json.ts';

// ajv-formats is CommonJS: Node hands the plugin itself to a default import, while the
// type checker sees the module object with the plugin under `default`.
type FormatsPlugin = typeof formatsModule.default;
const addFormats: FormatsPlugin =
  typeof formatsModule === 'function' ? formatsModule : formatsModule.default;

// The merge itself lives in src/api, so admission's quota check reads the same values.
export { isPlainObject } from '../api/json.ts';
export { deepMerge, mergeValues, type Values } from '../api/values.ts';

/** One problem with one value, with the dotted path of the field. */
export interface ValueProblem {
  field: string;
  message: string;
}

export type SchemaCompilation =
  | { ok: true; validate: (values: unknown, basePath: string) => ValueProblem[] }
  | { ok: false; message: string };

const draft2020 = 'https://json-schema.org/draft/2020-12/schema';
const draft2019 = 'https://json-schema.org/draft/2019-09/schema';

/** A validator for the JSON Schema dialect `schema.$schema` names (draft-07 when none). */
function newAjv(schema: Record<string, unknown>): Ajv | Ajv2019 | Ajv2020 {
  // strict: false lets templates carry UI hints (`x-…`, `title` variants) beside the
  // keywords; the meta-schema check below still catches malformed keywords.
  const options = { allErrors: true, strict: false, logger: false as const };
  const dialect = typeof schema['$schema'] === 'string' ? schema['$schema'].replace(/#$/, '') : '';
  const ajv =
    dialect === draft2020
      ? new Ajv2020(options)
      : dialect === draft2019
        ? new Ajv2019(options)
        : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

const supportedDialects = new Set([
  '',
  draft2020,
  draft2019,
  'http://json-schema.org/draft-07/schema',
  'https://json-schema.org/draft-07/schema',
]);

/**
 * Compiles user-supplied JSON Schemas, remembering the last `capacity` of them by
 * content (templates are immutable, and thousands of clusters share a few templates).
 */
export class ValuesSchemaCompiler {
  readonly #cache = new Map<string, SchemaCompilation>();
  readonly #byObject = new WeakMap<object, SchemaCompilation>();
  readonly #capacity: number;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  compile(schema: unknown): SchemaCompilation {
    // Provider schemas are the same object every time: skip serialising them.
    if (typeof schema === 'object' && schema !== null) {
      const known = this.#byObject.get(schema);
      if (known) return known;
    }
    const result = this.#compileByContent(schema);
    if (typeof schema === 'object' && schema !== null) this.#byObject.set(schema, result);
    return result;
  }

  #compileByContent(schema: unknown): SchemaCompilation {
    const key = JSON.stringify(schema);
    const cached = this.#cache.get(key);
    if (cached) {
      // Refresh its place in the LRU order.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached;
    }
    const result = compileSchema(schema);
    this.#cache.set(key, result);
    if (this.#cache.size > this.#capacity) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    return result;
  }
}

function compileSchema(schema: unknown): SchemaCompilation {
  if (typeof schema === 'boolean') schema = schema ? {} : { not: {} };
  if (!isPlainObject(schema)) return { ok: false, message: 'must be a JSON Schema object' };
  const dialect = typeof schema['$schema'] === 'string' ? schema['$schema'].replace(/#$/, '') : '';
  if (!supportedDialects.has(dialect)) {
    return {
      ok: false,
      message: `$schema "${String(schema['$schema'])}" is not supported (use draft-07, 2019-09 or 2020-12)`,
    };
  }
  const ajv = newAjv(schema);
  if (!ajv.validateSchema(schema)) {
    return { ok: false, message: describeProblems(ajv.errors ?? [], 'valuesSchema') };
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err: unknown) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  return {
    ok: true,
    validate: (values, basePath) =>
      validate(values) ? [] : toProblems(validate.errors ?? [], basePath),
  };
}

/** ajv errors as field problems under `basePath` (e.g. `spec.config`). */
export function toProblems(errors: readonly ErrorObject[], basePath: string): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    let field = joinPath(basePath, error.instancePath);
    let message = error.message ?? 'is invalid';
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params['missingProperty'] === 'string') {
      field = appendKey(field, params['missingProperty']);
      message = 'is required';
    } else if (
      error.keyword === 'additionalProperties' &&
      typeof params['additionalProperty'] === 'string'
    ) {
      field = appendKey(field, params['additionalProperty']);
      message = 'is not a known field';
    } else if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
      message = `must be one of ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const text = `${field}: ${message}`;
    if (seen.has(text)) continue;
    seen.add(text);
    problems.push({ field, message });
  }
  return problems;
}

/** `a: x; b: y`, for a condition message. */
export function formatProblems(problems: readonly ValueProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}

function describeProblems(errors: readonly ErrorObject[], basePath: string): string {
  return formatProblems(toProblems(errors, basePath));
}

/** JSON pointer `/machine/vcpu` or `/nodes/0` under `spec.config` → `spec.config.machine.vcpu`. */
function joinPath(basePath: string, pointer: string): string {
  if (!pointer) return basePath;
  let path = basePath;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : appendKey(path, segment);
  }
  return path;
}

function appendKey(path: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  const part = plain ? key : `[${JSON.stringify(key)}]`;
  if (!path) return plain ? key : part;
  return plain ? `${path}.${key}` : `${path}${part}`;
}
