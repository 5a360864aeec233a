// Kubernetes `Status` bodies: every error the API server answers, whatever raised it
// (admission, the store, Fastify's own parser and router), leaves as one of these.
import { Group, SlipwayError, StatusReason, type FieldCause } from '../api/index.ts';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: FieldCause[];
}

/** `metav1.Status`, as kubectl and client libraries expect it. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message: string;
  reason: string;
  code: number;
  details: StatusDetails;
}

/** A Failure Status for a typed error. */
export function failureStatus(err: SlipwayError): Status {
  const details: StatusDetails = {};
  if (err.details.name !== undefined) details.name = err.details.name;
  if (err.details.kind !== undefined || err.details.name !== undefined) {
    details.group = err.details.group ?? Group;
  }
  if (err.details.kind !== undefined) details.kind = err.details.kind;
  if (err.details.causes !== undefined && err.details.causes.length > 0) {
    details.causes = err.details.causes;
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.code,
    details,
  };
}

const reasonByHttpCode: Record<number, StatusReason> = {
  400: StatusReason.BadRequest,
  401: StatusReason.Unauthorized,
  403: StatusReason.Forbidden,
  404: StatusReason.NotFound,
  405: StatusReason.MethodNotAllowed,
  406: StatusReason.NotAcceptable,
  409: StatusReason.Conflict,
  410: StatusReason.Gone,
  413: StatusReason.RequestEntityTooLarge,
  415: StatusReason.UnsupportedMediaType,
  422: StatusReason.Invalid,
  429: StatusReason.TooManyRequests,
  503: StatusReason.ServiceUnavailable,
  504: StatusReason.Timeout,
};

/** Messages for Fastify's own errors, worded for API users rather than Fastify users. */
const fastifyMessages: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the body of the request was in an unknown format',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the request body length does not match Content-Length',
  FST_ERR_BAD_URL: 'the request URL is malformed',
};

function errorCode(err: object): string | undefined {
  return 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Turn anything thrown into a typed error: SlipwayErrors pass through, Fastify and
 * Node errors carrying an HTTP status keep it, and anything else is an internal error
 * whose message is not shown (it may carry details meant for the log only).
 */
export function toSlipwayError(err: unknown, bodyLimitBytes?: number): SlipwayError {
  if (err instanceof SlipwayError) return err;
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const statusCode = typeof err.statusCode === 'number' ? err.statusCode : 500;
    const reason = reasonByHttpCode[statusCode];
    if (reason !== undefined) {
      const code = errorCode(err);
      let message =
        (code !== undefined ? fastifyMessages[code] : undefined) ??
        (err instanceof Error ? err.message : 'request failed');
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' && bodyLimitBytes !== undefined) {
        message += ` (limit ${bodyLimitBytes} bytes)`;
      }
      return new SlipwayError(reason, message);
    }
  }
  return new SlipwayError(StatusReason.InternalError, 'an internal error occurred');
}
