// List continuation tokens. Opaque to clients: base64url of the last key returned.
// In SQLite, pages after the first read current data, not a snapshot at the first page's
// revision, so an object created behind the cursor while paging is not returned; objects
// that exist throughout are returned exactly once. Backends that keep old versions
// (etcd) also carry the first page's revision and read every page at it.
import { badRequest } from '../api/errors.ts';

export interface ContinueKey {
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** Revision every page is read at, for backends that keep old versions. */
  revision?: number;
}

export function encodeContinue(key: ContinueKey): string {
  const token = {
    v: 1,
    ns: key.namespace,
    n: key.name,
    ...(key.revision ? { rv: key.revision } : {}),
  };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeContinue(token: string): ContinueKey {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { v, ns, n, rv } = parsed as Record<string, unknown>;
      if (v === 1 && typeof ns === 'string' && typeof n === 'string') {
        if (Number.isSafeInteger(rv) && Number(rv) > 0) {
          return { namespace: ns, name: n, revision: Number(rv) };
        }
        if (rv === undefined) return { namespace: ns, name: n };
      }
    }
  } catch {
    // Fall through to the error below: the token is not ours.
  }
  throw badRequest('invalid continue token; start the list again without one', [
    { field: 'continue', message: 'not a token from a previous list' },
  ]);
}
