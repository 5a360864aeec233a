// etcd failures as the store's typed errors: a compacted revision is Gone (410, the
// client relists), an object over etcd's size limits is RequestEntityTooLarge (413), and
// etcd or the network failing is ServiceUnavailable (503, the client retries), naming
// what the store was doing. Anything else (a bug of ours) passes through unchanged.
import {
  ClientClosedError,
  ClientRuntimeError,
  EtcdAuthenticationFailedError,
  EtcdError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
  EtcdWatchStreamEnded,
  GRPCGenericError,
  isRecoverableError,
} from 'etcd3';
import { gone, isSlipwayError, SlipwayError, StatusReason } from '../../api/errors.ts';

/** Whether etcd refused a revision because compaction removed it. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}

/** Errors of the etcd client, its connection, or its circuit breaker (cockatiel's). */
function fromEtcd(err: Error): boolean {
  return (
    err instanceof GRPCGenericError ||
    err instanceof EtcdError ||
    err instanceof EtcdPermissionDeniedError ||
    err instanceof EtcdAuthenticationFailedError ||
    err instanceof EtcdInvalidAuthTokenError ||
    err instanceof EtcdWatchStreamEnded ||
    err instanceof ClientClosedError ||
    err instanceof ClientRuntimeError ||
    isRecoverableError(err) ||
    (err as { isBrokenCircuitError?: boolean }).isBrokenCircuitError === true
  );
}

/** `err` as the store reports it: ours pass through, etcd's become typed errors. */
export function storeError(err: unknown, doing: string): unknown {
  if (isSlipwayError(err) || !(err instanceof Error)) return err;
  const message = err.message;
  if (isCompactedError(err)) return gone(`too old resource version: ${doing}: ${message}`);
  // etcd refuses requests over --max-request-bytes (1.5 MiB), gRPC those over 2 MiB.
  if (/request is too large|received message larger than max/.test(message)) {
    return new SlipwayError(StatusReason.RequestEntityTooLarge, `etcd: ${doing}: ${message}`);
  }
  if (!fromEtcd(err)) return err;
  return new SlipwayError(StatusReason.ServiceUnavailable, `etcd: ${doing}: ${message}`);
}

/** Run `fn`, turning what etcd throws into a store error. */
export async function guarded<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    throw storeError(err, doing);
  }
}
