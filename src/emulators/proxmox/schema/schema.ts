// The Proxmox VE API schema, indexed once: route a request, check its parameters as
// PVE::RESTHandler::handle does (PVE::JSONSchema::validate), check a response against `returns`.

import { type CheckContext, type ErrorMap, checkProp, own } from './check.ts';
import { checkFormat, formatRegistry, type RegisteredFormat } from './formats.ts';
import { expandIndexed } from './indexed-params.ts';
import { perlPattern } from './perl-regex.ts';
import { isUndef, perlRef, perlString, perlTrue } from './perl-value.ts';
import { type PropertyStringResult, parsePropertyString } from './property-string.ts';
import { PVE_METHODS, addRoute, findRoute, newRouteNode, type RouteNode } from './router.ts';
import type {
  PveEndpoint,
  PveFormatKeys,
  PveMatch,
  PveMethod,
  PveParam,
  PveValidation,
} from './types.ts';

interface TreeNode {
  readonly path: string;
  readonly children?: readonly TreeNode[];
  readonly info?: Readonly<Record<string, MethodInfo>>;
}

interface MethodInfo {
  readonly name?: string;
  readonly parameters?: PveParam;
  readonly returns?: PveParam;
  readonly permissions?: unknown;
  readonly allowtoken?: number | boolean;
  readonly protected?: number | boolean;
  readonly proxyto?: string;
}

/** The API schema with its routes and checks. Build it with loadPveSchema. */
export class PveSchema {
  readonly #routes: RouteNode = newRouteNode();
  readonly #endpoints = new Map<string, PveEndpoint>();
  readonly #patterns = new Map<string, RegExp>();
  readonly #registry: ReadonlyMap<string, RegisteredFormat>;
  readonly #context: CheckContext;

  /** @param tree the parsed JSON array of pve-api-schema.json. */
  constructor(tree: unknown) {
    if (!Array.isArray(tree)) throw new Error('PVE API schema: expected a JSON array of paths');
    for (const node of tree as TreeNode[]) this.#index(node);
    this.#registry = formatRegistry(this.#formatsFromSchema());
    this.#context = {
      checkFormat: (format, value, path) =>
        checkFormat(this.#context, this.#registry, format, value, path),
      pattern: (source) => {
        let compiled = this.#patterns.get(source);
        if (compiled === undefined) {
          compiled = perlPattern(source);
          this.#patterns.set(source, compiled);
        }
        return compiled;
      },
    };
  }

  /** Every endpoint of the API. */
  endpoints(): IterableIterator<PveEndpoint> {
    return this.#endpoints.values();
  }

  /** The endpoint for a method and path template, e.g. `('POST', '/nodes/{node}/qemu')`. */
  endpoint(method: PveMethod, pathTemplate: string): PveEndpoint | undefined {
    return this.#endpoints.get(`${method} ${pathTemplate}`);
  }

  /**
   * Routes a request path below /api2/json, percent-decoded (e.g. "/nodes/pve1/qemu/100/clone").
   * Unknown paths and methods get Proxmox's 501 answer.
   */
  match(method: string, path: string): PveMatch {
    return findRoute(this.#routes, method, path);
  }

  /**
   * Checks path, query and body parameters together, as Proxmox does: form values are strings
   * ("1"/"0" for booleans), JSON bodies may carry numbers, booleans and arrays. On success the
   * values come back typed (integers as numbers, booleans as true/false).
   *
   * @example schema.validate(clone, { node: 'pve1', vmid: '9000', newid: '101', full: '1' })
   */
  validate(endpoint: PveEndpoint, params: Readonly<Record<string, unknown>>): PveValidation {
    const normalized = normalizeLegacyParams(params, endpoint.parameters);
    const errors: ErrorMap = new Map();
    checkProp(this.#context, normalized, endpoint.parameterSchema, '', errors);
    if (errors.size > 0) return { ok: false, errors: Object.fromEntries(errors) };
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(normalized)) {
      if (isUndef(value)) continue;
      values[key] = typedValue(own(endpoint.parameters, key) as PveParam | undefined, value);
    }
    return { ok: true, values };
  }

  /** Problems with a response's `data` against the endpoint's `returns` (empty = fine). */
  checkReturns(endpoint: PveEndpoint, data: unknown): string[] {
    const errors: ErrorMap = new Map();
    checkProp(this.#context, data, endpoint.returns as PveParam, 'data', errors);
    return [...errors].map(([path, problem]) => `${path}: ${problem.trimEnd()}`);
  }

  /**
   * Parses a property-string parameter (`net0`, `scsi1`, `ipconfig0`, `agent`) into its keys,
   * with Proxmox's checks, e.g. to read the MAC address out of `net0`.
   */
  parsePropertyParam(endpoint: PveEndpoint, name: string, value: string): PropertyStringResult {
    const format = (own(endpoint.parameters, name) as PveParam | undefined)?.format;
    const keys = typeof format === 'string' ? this.#registry.get(format) : format;
    if (keys === undefined || typeof keys === 'function') {
      return { ok: false, message: `parameter '${name}' is not a property string\n` };
    }
    return parsePropertyString(this.#context, keys, value, name);
  }

  #index(node: TreeNode): void {
    for (const [method, info] of Object.entries(node.info ?? {})) {
      if (!(PVE_METHODS as readonly string[]).includes(method)) {
        throw new Error(`PVE API schema: unknown method ${method} at ${node.path}`);
      }
      const endpoint = toEndpoint(method as PveMethod, node.path, info);
      this.#endpoints.set(`${method} ${node.path}`, endpoint);
      addRoute(this.#routes, endpoint);
    }
    for (const child of node.children ?? []) this.#index(child);
  }

  /** `cdrom` uses the named format `pve-qm-ide`, which the schema publishes inline as `ide[n]`. */
  #formatsFromSchema(): Record<string, PveFormatKeys> {
    const config = this.endpoint('POST', '/nodes/{node}/qemu/{vmid}/config');
    const ide = config?.parameters['ide0']?.format;
    return typeof ide === 'object' ? { 'pve-qm-ide': ide } : {};
  }
}

function toEndpoint(method: PveMethod, path: string, info: MethodInfo): PveEndpoint {
  const where = `${method} ${path}`;
  const parameters = expandIndexed(info.parameters?.properties ?? {}, where);
  return {
    method,
    pathTemplate: path,
    parameters,
    // Perl checks `properties => {}` too; the JSON dump drops empty maps, so put it back.
    parameterSchema: { ...info.parameters, properties: parameters },
    returns: expandReturns(info.returns ?? {}, where),
    permissions: info.permissions,
    // RESTHandler::register_method defaults allowtoken to 1.
    allowtoken: info.allowtoken === undefined ? true : perlTrue(info.allowtoken),
    protected: perlTrue(info.protected),
    ...(info.proxyto === undefined ? {} : { proxyto: info.proxyto }),
    ...(info.name === undefined ? {} : { name: info.name }),
  };
}

/** `returns` with `net[n]`-style keys expanded at every level (e.g. GET …/qemu/{vmid}/config). */
function expandReturns(schema: PveParam, where: string): PveParam {
  const { properties, items, additionalProperties } = schema;
  return {
    ...schema,
    ...(properties === undefined
      ? {}
      : {
          properties: Object.fromEntries(
            Object.entries(expandIndexed(properties, where)).map(([key, sub]) => [
              key,
              expandReturns(sub, where),
            ]),
          ),
        }),
    ...(items === undefined ? {} : { items: expandReturns(items, where) }),
    ...(typeof additionalProperties === 'object'
      ? { additionalProperties: expandReturns(additionalProperties, where) }
      : {}),
  };
}

/**
 * RESTHandler's $normalize_legacy_param_formats: an array for a `*-list` string is joined with
 * commas, a single value for an array parameter becomes a one-item array. Like Perl, only for
 * true values (`if (my $value = …)`).
 */
function normalizeLegacyParams(
  params: Readonly<Record<string, unknown>>,
  schema: Readonly<Record<string, PveParam>>,
): Record<string, unknown> {
  const normalized: Record<string, unknown> = Object.fromEntries(Object.entries(params));
  for (const [key, value] of Object.entries(normalized)) {
    const param = own(schema, key) as PveParam | undefined;
    if (param === undefined || !(perlRef(value) !== undefined || perlTrue(value))) continue;
    const format = typeof param.format === 'string' ? param.format : '';
    if (Array.isArray(value) && param.type === 'string' && format.endsWith('-list')) {
      normalized[key] = value.map(perlString).join(',');
    } else if (perlRef(value) === undefined && param.type === 'array') {
      normalized[key] = [value];
    }
  }
  return normalized;
}

function typedValue(param: PveParam | undefined, value: unknown): unknown {
  if (perlRef(value) === 'ARRAY' || perlRef(value) === 'HASH') return value;
  if (param?.type === 'boolean') return value === true || perlString(value) === '1';
  if (param?.type === 'integer' || param?.type === 'number') return Number(perlString(value));
  return perlString(value);
}
