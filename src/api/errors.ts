// Typed errors with stable codes, shared by every layer. The API server maps them
// one-to-one onto Kubernetes `Status` bodies (reason, code, details.causes).

/** Stable machine-readable reasons, as in Kubernetes `metav1.StatusReason`. */
export const StatusReason = {
  BadRequest: 'BadRequest',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Gone: 'Expired',
  Invalid: 'Invalid',
  MethodNotAllowed: 'MethodNotAllowed',
  NotAcceptable: 'NotAcceptable',
  RequestEntityTooLarge: 'RequestEntityTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  TooManyRequests: 'TooManyRequests',
  InternalError: 'InternalError',
  ServiceUnavailable: 'ServiceUnavailable',
  /** The request could not be served in time, e.g. a resourceVersion the store has not reached. */
  Timeout: 'Timeout',
} as const;
export type StatusReason = (typeof StatusReason)[keyof typeof StatusReason];

const httpCodes: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Expired: 410,
  Invalid: 422,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** One problem with one field of a request, as in `metav1.StatusCause`. */
export interface FieldCause {
  /** Dotted path of the field, e.g. `spec.config.workersNumber`. */
  field: string;
  message: string;
  /** Kubernetes cause type, e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`. */
  reason?: string;
}

export interface ErrorDetails {
  kind?: string;
  name?: string;
  group?: string;
  causes?: FieldCause[];
}

export class SlipwayError extends Error {
  readonly reason: StatusReason;
  readonly details: ErrorDetails;

  constructor(reason: StatusReason, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'SlipwayError';
    this.reason = reason;
    this.details = details;
  }

  get code(): number {
    return httpCodes[this.reason];
  }
}

export function notFound(kind: string, name: string): SlipwayError {
  return new SlipwayError(StatusReason.NotFound, `${kind} "${name}" not found`, { kind, name });
}

export function alreadyExists(kind: string, name: string): SlipwayError {
  return new SlipwayError(StatusReason.AlreadyExists, `${kind} "${name}" already exists`, {
    kind,
    name,
  });
}

export function conflict(kind: string, name: string, message: string): SlipwayError {
  return new SlipwayError(
    StatusReason.Conflict,
    `Operation cannot be fulfilled on ${kind} "${name}": ${message}`,
    { kind, name },
  );
}

export function gone(message: string): SlipwayError {
  return new SlipwayError(StatusReason.Gone, message);
}

/** A watch from a revision the store has not reached yet (Kubernetes answers the same). */
export function tooLargeResourceVersion(requested: number, current: number): SlipwayError {
  return new SlipwayError(
    StatusReason.Timeout,
    `Too large resource version: ${requested}, current: ${current}`,
    {
      causes: [
        {
          field: 'resourceVersion',
          message: 'Too large resource version',
          reason: 'ResourceVersionTooLarge',
        },
      ],
    },
  );
}

export function invalid(kind: string, name: string, causes: FieldCause[]): SlipwayError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join('; ');
  return new SlipwayError(StatusReason.Invalid, `${kind} "${name}" is invalid: ${summary}`, {
    kind,
    name,
    causes,
  });
}

export function badRequest(message: string, causes?: FieldCause[]): SlipwayError {
  return new SlipwayError(StatusReason.BadRequest, message, causes ? { causes } : {});
}

export function isSlipwayError(err: unknown, reason?: StatusReason): err is SlipwayError {
  return err instanceof SlipwayError && (reason === undefined || err.reason === reason);
}
