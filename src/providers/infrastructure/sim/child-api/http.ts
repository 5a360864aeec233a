// Small HTTP helpers of the simulated API: JSON answers, Kubernetes `Status` errors and
// request bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';

/** Request bodies above this answer 413, as in the Kubernetes API server (3 MiB). */
const maxBodyBytes = 3 * 1024 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, private',
  });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string | Buffer): void {
  res.writeHead(code, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

/** A `Status` body (metav1.Status). */
export function statusBody(error: SlipwayError) {
  const { kind, name, group, causes } = error.details;
  const details = {
    ...(name !== undefined ? { name } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(causes && causes.length > 0 ? { causes } : {}),
  };
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    code: error.code,
  };
}

export function successStatus(code: number, details?: Record<string, unknown>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code,
  };
}

/** Any error as a Kubernetes Status answer; unexpected ones as 500 without internals. */
export function sendError(res: ServerResponse, err: unknown): void {
  const error =
    err instanceof SlipwayError
      ? err
      : new SlipwayError(
          StatusReason.InternalError,
          'an error on the server prevented the request from succeeding',
        );
  sendJson(res, error.code, statusBody(error));
}

export const unauthorized = () => new SlipwayError(StatusReason.Unauthorized, 'Unauthorized');

export const pathNotFound = () =>
  new SlipwayError(StatusReason.NotFound, 'the server could not find the requested resource');

export function methodNotAllowed(method: string): SlipwayError {
  return new SlipwayError(
    StatusReason.MethodNotAllowed,
    `the server does not allow this method on the requested resource (${method})`,
  );
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The body of a request whose method carries one; an empty buffer for the others. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  return bodyMethods.has(req.method ?? '') ? readBody(req) : Promise.resolve(Buffer.alloc(0));
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(
          new SlipwayError(StatusReason.RequestEntityTooLarge, 'the request body is too large'),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
