// API paths. Callers name endpoints relative to /api2/json, e.g. /nodes/pve1/qemu/100/config;
// apiPath encodes the parts that come from data (node names, storage IDs, UPIDs, volume
// IDs with ':' and '/') so they stay one path segment each. pve-http-server unescapes
// the path before routing.

/**
 * Builds an API path, percent-encoding every interpolated value as one segment.
 *
 * @example
 * apiPath`/nodes/${node}/tasks/${upid}/status`
 * // '/nodes/pve1/tasks/UPID%3Apve1%3A…%3A/status'
 */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let path = strings[0] ?? '';
  values.forEach((value, index) => {
    const text = String(value);
    if (text === '') throw new TypeError(`path ${strings.join('{}')}: part ${index + 1} is empty`);
    path += encodeURIComponent(text) + (strings[index + 1] ?? '');
  });
  return path;
}

/** Throws a TypeError unless `path` is a plain API path such as /nodes/pve1/status. */
export function checkApiPath(path: string): string {
  if (!path.startsWith('/') || /[?#\s]/.test(path) || /(^|\/)\.\.?(\/|$)/.test(path)) {
    throw new TypeError(
      `API path "${path}" must start with '/' and have no query, spaces or dot segments`,
    );
  }
  if (path === '/api2' || path.startsWith('/api2/')) {
    throw new TypeError(`API path "${path}" must be relative to /api2/json (e.g. /nodes)`);
  }
  return path;
}
