// The dashboard's only way to the server: fetch with the session cookie, JSON bodies,
// the CSRF header on writes, and Kubernetes Status failures turned into ApiError with
// the field paths the server named.

/** API group and version every Slipway resource is served under. */
export const apiBase = '/apis/slipway.dev/v1alpha1';

/** A field the server found wrong: `spec.config.workersNumber`, and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A failed request: the Status message, its reason and code, and the fields it names. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly causes: FieldProblem[];

  constructor(status: number, message: string, reason = '', causes: FieldProblem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.causes = causes;
  }
}

let csrfToken: string | undefined;
const unauthorizedListeners = new Set<() => void>();

/** Remember the session's CSRF token (from login or whoami); sent on every write. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Be told when the server answers 401 (the session expired or was logged out elsewhere). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ApiError for a failed response body (a Kubernetes Status when the server wrote it). */
export function statusError(status: number, body: unknown, fallback: string): ApiError {
  if (!isRecord(body)) return new ApiError(status, fallback);
  const message = typeof body['message'] === 'string' ? body['message'] : fallback;
  const reason = typeof body['reason'] === 'string' ? body['reason'] : '';
  const details = isRecord(body['details']) ? body['details'] : {};
  const rawCauses = Array.isArray(details['causes']) ? (details['causes'] as unknown[]) : [];
  const causes = rawCauses.filter(isRecord).map((cause) => ({
    field: typeof cause['field'] === 'string' ? cause['field'] : '',
    message: typeof cause['message'] === 'string' ? cause['message'] : '',
  }));
  return new ApiError(status, message, reason, causes);
}

export interface RequestOptions {
  body?: unknown;
  /** Content type of a JSON body; merge patches say `application/merge-patch+json`. */
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The raw Response of an API call, after failures were turned into ApiError. */
export async function apiFetch(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (options.body !== undefined)
    headers['content-type'] = options.contentType ?? 'application/json';
  if (!safeMethods.has(method) && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.signal) init.signal = options.signal;
  const response = await fetch(path, init);
  if (response.ok) return response;
  if (response.status === 401 && !path.startsWith('/auth/login')) {
    for (const listener of unauthorizedListeners) listener();
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  throw statusError(
    response.status,
    body,
    `${method} ${path} failed: ${response.status} ${response.statusText}`.trim(),
  );
}

/** A JSON API call; 204 answers resolve to undefined. */
export async function apiJson<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await apiFetch(method, path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface ResourceRef {
  plural: string;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string;
}

/** `/apis/slipway.dev/v1alpha1/namespaces/NS/PLURAL/NAME/SUB`, each part escaped. */
export function resourcePath(ref: ResourceRef): string {
  let path = apiBase;
  if (ref.namespace !== undefined) path += `/namespaces/${encodeURIComponent(ref.namespace)}`;
  path += `/${ref.plural}`;
  if (ref.name !== undefined) path += `/${encodeURIComponent(ref.name)}`;
  if (ref.subresource !== undefined) path += `/${ref.subresource}`;
  return path;
}

/** Query string (with its `?`) from the defined entries; empty when there are none. */
export function queryString(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Typed helpers for the usual verbs. */
export const api = {
  get: <T>(ref: ResourceRef) => apiJson<T>('GET', resourcePath(ref)),
  list: <T>(ref: ResourceRef, query: Record<string, string | undefined> = {}) =>
    apiJson<List<T>>('GET', resourcePath(ref) + queryString(query)),
  create: <T>(ref: ResourceRef, body: unknown) => apiJson<T>('POST', resourcePath(ref), { body }),
  /** JSON merge patch (RFC 7386): only the fields given change. */
  mergePatch: <T>(ref: ResourceRef, body: unknown) =>
    apiJson<T>('PATCH', resourcePath(ref), { body, contentType: 'application/merge-patch+json' }),
  replace: <T>(ref: ResourceRef, body: unknown) => apiJson<T>('PUT', resourcePath(ref), { body }),
  delete: (ref: ResourceRef) => apiJson<unknown>('DELETE', resourcePath(ref)),
};

/** A Kubernetes-style list. */
export interface List<T> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}
