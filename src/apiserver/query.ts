// Query parameters, parsed and checked once. Kubernetes names and semantics; a value
// that cannot be understood is a 400, never silently ignored.
import { badRequest } from '../api/index.ts';

export type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    if (value.length > 1 && value.some((v) => v !== value[0])) {
      throw badRequest(`query parameter ${name} given more than once with different values`);
    }
    return value[0];
  }
  return value;
}

function boolean(query: Query, name: string): boolean {
  const value = single(query, name);
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw badRequest(`query parameter ${name} must be true or false, not "${value}"`);
}

function nonNegativeInteger(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw badRequest(`query parameter ${name} must be a non-negative integer, not "${value}"`);
  return Number(value);
}

function text(query: Query, name: string): string | undefined {
  const value = single(query, name);
  return value === '' ? undefined : value;
}

/** `dryRun=All` (the only value Kubernetes defines) → true. */
export function parseDryRun(query: Query): boolean {
  const raw = query['dryRun'];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const value of values) {
    if (value !== 'All')
      throw badRequest(`dryRun: Unsupported value: "${value}": supported values: "All"`);
  }
  return values.length > 0;
}

export interface ReadQuery {
  watch: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
}

export function parseReadQuery(query: Query): ReadQuery {
  const result: ReadQuery = {
    watch: boolean(query, 'watch'),
    allowWatchBookmarks: boolean(query, 'allowWatchBookmarks'),
  };
  const labelSelector = text(query, 'labelSelector');
  if (labelSelector !== undefined) result.labelSelector = labelSelector;
  const fieldSelector = text(query, 'fieldSelector');
  if (fieldSelector !== undefined) result.fieldSelector = fieldSelector;
  const limit = nonNegativeInteger(query, 'limit');
  if (limit !== undefined && limit > 0) result.limit = limit;
  const token = text(query, 'continue');
  if (token !== undefined) result.continue = token;
  const resourceVersion = text(query, 'resourceVersion');
  if (resourceVersion !== undefined) result.resourceVersion = resourceVersion;
  const timeoutSeconds = nonNegativeInteger(query, 'timeoutSeconds');
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) result.timeoutSeconds = timeoutSeconds;
  return result;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export function parsePropagationPolicy(value: unknown): PropagationPolicy | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'Background' || value === 'Foreground' || value === 'Orphan') return value;
  throw badRequest(
    `propagationPolicy: Unsupported value: ${JSON.stringify(value)}: supported values: "Background", "Foreground", "Orphan"`,
  );
}

export { single as singleQueryValue };
