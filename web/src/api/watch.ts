// Live lists: list once, then follow `?watch=true` (newline-delimited JSON events read
// from fetch's ReadableStream) from the list's resourceVersion. A stream that ends is
// resumed from the last version seen; a 410 Expired (the version was compacted away)
// means list again. Hand-written because it is small and tied to this server's protocol;
// the Kubernetes client libraries need Node.
import { ApiError, apiFetch, apiJson, queryString, resourcePath, statusError } from './client.ts';
import type { List, ResourceRef } from './client.ts';
import type { Resource } from './types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandlers<T> {
  /** The full list: at the start and after every relist. */
  onList(items: T[]): void;
  onEvent(type: WatchEventType, object: T): void;
  /** A failure the watch will retry after (undefined once it works again). */
  onError?(error: ApiError | undefined): void;
}

export interface WatchSelection {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

interface WireEvent {
  type: WatchEventType | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

class Expired extends Error {}

/** Retry delays after failures: 1 s, 2 s, 4 s … at most 15 s. */
function backoff(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.min(attempt, 4));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Split a byte stream into lines and hand each parsed JSON line to `onLine`. */
async function readLines(
  body: ReadableStream<Uint8Array>,
  onLine: (event: WireEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') onLine(JSON.parse(line) as WireEvent);
        newline = buffered.indexOf('\n');
      }
    }
  } finally {
    // Leaving early (a 410, a stop): close the stream so the server ends the watch.
    reader.cancel().catch(() => undefined);
  }
}

/**
 * Follow a collection until the returned function is called. Handlers see the list first,
 * then each change; failures are reported and retried with backoff.
 */
export function watchCollection<T extends Resource>(
  ref: ResourceRef,
  selection: WatchSelection,
  handlers: WatchHandlers<T>,
): () => void {
  const abort = new AbortController();
  const signal = abort.signal;
  const path = resourcePath(ref);

  async function follow(resourceVersion: string): Promise<string> {
    let version = resourceVersion;
    const query = queryString({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: version,
      ...selection,
    });
    const response = await apiFetch('GET', path + query, { signal });
    if (!response.body) throw new ApiError(0, 'the watch answered without a body');
    await readLines(response.body, (event) => {
      const meta = event.object['metadata'] as { resourceVersion?: string } | undefined;
      if (event.type === 'ERROR') {
        const error = statusError(Number(event.object['code']), event.object, 'watch failed');
        if (error.status === 410) throw new Expired(error.message);
        throw error;
      }
      if (meta?.resourceVersion) version = meta.resourceVersion;
      if (event.type !== 'BOOKMARK') handlers.onEvent(event.type, event.object as unknown as T);
    });
    return version;
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let version: string | undefined;
    while (!signal.aborted) {
      try {
        if (version === undefined) {
          const list = await apiJson<List<T>>('GET', path + queryString({ ...selection }), {
            signal,
          });
          if (signal.aborted) return;
          handlers.onList(list.items);
          handlers.onError?.(undefined);
          version = list.metadata.resourceVersion ?? '0';
        }
        version = await follow(version);
        attempt = 0;
      } catch (err: unknown) {
        if (signal.aborted) return;
        if (err instanceof Expired) {
          version = undefined; // relist at once
          continue;
        }
        const error =
          err instanceof ApiError ? err : new ApiError(0, `connection lost: ${String(err)}`);
        handlers.onError?.(error);
        // A 401 is final until the user signs in again; others are retried.
        if (error.status === 401 || error.status === 403 || error.status === 404) return;
        await sleep(backoff(attempt++), signal);
        version = undefined;
      }
    }
  }

  void run();
  return () => abort.abort();
}
