// Errors the CLI reports, and how they read on stderr.

/** A Kubernetes `Status` body as the API server sends it on failure. */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { field?: string; message?: string; reason?: string }[];
  };
}

/** A problem the user can fix (bad flag, missing file, nothing configured). */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The server answered with an error status. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: StatusBody;

  constructor(code: number, status: StatusBody) {
    super(status.message ?? `the server returned HTTP ${code}`);
    this.name = 'ApiError';
    this.code = status.code ?? code;
    this.reason = status.reason ?? reasonForCode(this.code);
    this.status = status;
  }
}

/** The server could not be reached at all (refused, TLS, DNS). */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export function isApiError(err: unknown, code?: number): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/**
 * Text for stderr, kubectl style: `Error from server (Invalid): …` followed by one line
 * per field cause the message does not already spell out.
 */
export function formatError(err: unknown, context?: string): string {
  const where = context ? `${context}: ` : '';
  if (err instanceof ApiError) {
    const lines = [`Error from server (${err.reason}): ${where}${err.message}`];
    for (const cause of err.status.details?.causes ?? []) {
      const text = cause.field ? `${cause.field}: ${cause.message ?? ''}` : (cause.message ?? '');
      if (text && !err.message.includes(text)) lines.push(`  * ${text}`);
    }
    if (err.code === 401) {
      lines.push('  (check the token: --token, SLIPWAY_TOKEN or "slipway login")');
    }
    return lines.join('\n');
  }
  const message = err instanceof Error ? err.message : String(err);
  // CLI errors about a manifest already name their source.
  return `error: ${err instanceof CliError ? '' : where}${message}`;
}

function reasonForCode(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    413: 'RequestEntityTooLarge',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
  };
  return reasons[code] ?? `HTTP ${code}`;
}
