// Turning what @kubernetes/client-node and undici throw into ChildClusterError: the
// server answered with a status (ApiException), the connection failed (fetch's
// TypeError with a system or TLS error as its cause), or the request was aborted.
import { ApiException } from '@kubernetes/client-node';
import { ChildClusterError, ChildClusterErrorCode, isChildClusterError } from './types.ts';

const untrustedCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The code and message of the deepest error in a cause chain that has a code. */
function rootCause(err: unknown): { code?: string; message: string; name?: string } {
  let current: unknown = err;
  let found: { code?: string; message: string; name?: string } = { message: String(err) };
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    found = {
      ...(typeof code === 'string' ? { code } : found.code ? { code: found.code } : {}),
      message: current.message,
      name: current.name,
    };
    current = current.cause;
  }
  return found;
}

/** The message of a Kubernetes Status body, if the body is one. */
export function statusMessage(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() === '' ? undefined : body.trim().slice(0, 500);
    }
  }
  if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
    const message = (parsed as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  }
  return undefined;
}

export function codeForStatus(status: number): ChildClusterErrorCode {
  if (status === 401) return ChildClusterErrorCode.Unauthorized;
  if (status === 403) return ChildClusterErrorCode.Forbidden;
  if (status === 404) return ChildClusterErrorCode.NotFound;
  if (status === 409) return ChildClusterErrorCode.Conflict;
  if (status === 429) return ChildClusterErrorCode.TooManyRequests;
  return ChildClusterErrorCode.ServerError;
}

const statusWords: Record<number, string> = {
  401: 'unauthorized: the API server did not accept the client certificate',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  429: 'too many requests',
};

/** Any failure of a request to the child API as a ChildClusterError saying `what` failed. */
export function toChildClusterError(err: unknown, what: string, server: string): ChildClusterError {
  if (isChildClusterError(err)) return err;
  if (err instanceof ApiException) {
    const status = Number(err.code);
    const detail = statusMessage(err.body) ?? statusWords[status] ?? `HTTP ${status}`;
    return new ChildClusterError(codeForStatus(status), `${what}: ${detail} (HTTP ${status})`, {
      status,
      cause: err,
    });
  }
  const root = rootCause(err);
  if (root.name === 'TimeoutError') {
    return new ChildClusterError(
      ChildClusterErrorCode.Unreachable,
      `${what}: ${server} did not answer in time`,
      { cause: err },
    );
  }
  if (root.name === 'AbortError') {
    return new ChildClusterError(ChildClusterErrorCode.Aborted, `${what}: aborted`, { cause: err });
  }
  if (root.code && untrustedCodes.has(root.code)) {
    return new ChildClusterError(
      ChildClusterErrorCode.UntrustedServer,
      `${what}: the server at ${server} is not trusted by the kubeconfig's certificate authority (${root.code}: ${root.message})`,
      { cause: err },
    );
  }
  if (err instanceof TypeError || root.code) {
    const reason = root.code ? `${root.code}: ${root.message}` : root.message;
    return new ChildClusterError(
      ChildClusterErrorCode.Unreachable,
      `${what}: cannot reach ${server} (${reason})`,
      { cause: err },
    );
  }
  return new ChildClusterError(ChildClusterErrorCode.ServerError, `${what}: ${root.message}`, {
    cause: err,
  });
}
