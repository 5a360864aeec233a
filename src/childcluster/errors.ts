// Turning failed requests to a child API into ChildClusterError: the server answered
// with an error status, or the connection failed (a system, TLS or undici error with a
// code), or an answer could not be read. Timeouts and aborts are told apart by the
// transport, which knows which signal fired.
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

/** A non-2xx answer as a ChildClusterError saying `what` failed, with the Status message. */
export function errorForStatus(status: number, body: string, what: string): ChildClusterError {
  const detail = statusMessage(body) ?? statusWords[status] ?? `HTTP ${status}`;
  return new ChildClusterError(codeForStatus(status), `${what}: ${detail} (HTTP ${status})`, {
    status,
  });
}

/** The request was aborted: by a deadline (the server did not answer in time) or on purpose. */
export function abortedError(
  what: string,
  server: string,
  why: 'timeout' | 'closed' | 'aborted',
  cause: unknown,
): ChildClusterError {
  if (why === 'timeout') {
    return new ChildClusterError(
      ChildClusterErrorCode.Unreachable,
      `${what}: ${server} did not answer in time`,
      { cause },
    );
  }
  const message = why === 'closed' ? `${what}: the client is closed` : `${what}: aborted`;
  return new ChildClusterError(ChildClusterErrorCode.Aborted, message, { cause });
}

/** Any other failure of a request to the child API as a ChildClusterError saying `what` failed. */
export function toChildClusterError(err: unknown, what: string, server: string): ChildClusterError {
  if (isChildClusterError(err)) return err;
  const root = rootCause(err);
  if (root.name === 'TimeoutError') return abortedError(what, server, 'timeout', err);
  if (root.name === 'AbortError') return abortedError(what, server, 'aborted', err);
  if (root.code && untrustedCodes.has(root.code)) {
    return new ChildClusterError(
      ChildClusterErrorCode.UntrustedServer,
      `${what}: the server at ${server} is not trusted by the kubeconfig's certificate authority (${root.code}: ${root.message})`,
      { cause: err },
    );
  }
  if (root.code) {
    return new ChildClusterError(
      ChildClusterErrorCode.Unreachable,
      `${what}: cannot reach ${server} (${root.code}: ${root.message})`,
      { cause: err },
    );
  }
  return new ChildClusterError(ChildClusterErrorCode.ServerError, `${what}: ${root.message}`, {
    cause: err,
  });
}
