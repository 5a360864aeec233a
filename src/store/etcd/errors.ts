// etcd failures as the store's typed errors: a compacted revision is Gone (410, the
// client relists), anything else from etcd or the network is ServiceUnavailable (503,
// the client retries), naming what the store was doing.
import { gone, isSlipwayError, SlipwayError, StatusReason } from '../../api/errors.ts';

/** Whether etcd refused a revision because compaction removed it. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}

/** `err` as a SlipwayError: ours pass through, etcd's become Gone or ServiceUnavailable. */
export function storeError(err: unknown, doing: string): SlipwayError {
  if (isSlipwayError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isCompactedError(err)) return gone(`too old resource version: ${doing}: ${message}`);
  // etcd refuses requests over --max-request-bytes (1.5 MiB), gRPC those over 2 MiB.
  if (/request is too large|received message larger than max/.test(message)) {
    return new SlipwayError(StatusReason.RequestEntityTooLarge, `etcd: ${doing}: ${message}`);
  }
  return new SlipwayError(StatusReason.ServiceUnavailable, `etcd: ${doing}: ${message}`);
}

/** Run `fn`, turning whatever it throws into a store error. */
export async function guarded<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    throw storeError(err, doing);
  }
}
