// List-then-watch that survives dropped streams: the same loop an informer runs.
import { setTimeout as delay } from 'node:timers/promises';
import type { AnyResource } from '../api/index.ts';
import type { ApiClient, Query } from './client.ts';
import { ApiError, isApiError, type StatusBody } from './errors.ts';

export type Observation =
  /** The full current state: first, and again after the server forgot our resourceVersion (410). */
  | { type: 'SNAPSHOT'; items: AnyResource[]; resourceVersion: string }
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: AnyResource };

export interface ObserveOptions {
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
  /** Pause before reopening a stream the server closed without sending anything. */
  reconnectDelayMs?: number;
}

/**
 * Yield a SNAPSHOT of the collection at `path`, then every change after it. A stream the
 * server closes is reopened from the last resourceVersion seen; when that version is too
 * old (410 Gone), the collection is listed again and a new SNAPSHOT yielded. Ends only
 * when `signal` aborts (by throwing its abort error) or the server fails.
 */
export async function* observe(
  client: ApiClient,
  path: string,
  options: ObserveOptions = {},
): AsyncGenerator<Observation> {
  const { signal } = options;
  const query: Query = {
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
  };
  let resourceVersion: string | undefined;
  for (;;) {
    if (resourceVersion === undefined) {
      const list = await client.list(path, query, signal);
      resourceVersion = list.metadata?.resourceVersion ?? '0';
      yield { type: 'SNAPSHOT', items: list.items, resourceVersion };
    }
    let received = false;
    try {
      const watchQuery = { ...query, resourceVersion, allowWatchBookmarks: 'true' };
      for await (const event of client.watch(path, watchQuery, signal)) {
        if (event.type === 'ERROR') {
          const status = event.object as unknown as StatusBody;
          throw new ApiError(status.code ?? 500, status);
        }
        received = true;
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type !== 'BOOKMARK') yield { type: event.type, object: event.object };
      }
    } catch (err: unknown) {
      if (!isApiError(err, 410)) throw err;
      resourceVersion = undefined;
      // A fresh list's version should never be too old; if it is, do not spin.
      if (!received) await delay(options.reconnectDelayMs ?? 1000, undefined, { signal });
      continue;
    }
    signal?.throwIfAborted();
    if (!received) await delay(options.reconnectDelayMs ?? 1000, undefined, { signal });
  }
}
