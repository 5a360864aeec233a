// `?watch=true`: newline-delimited JSON watch events over one chunked response, each
// written (and so flushed) as it happens. Follows Kubernetes: without a
// resourceVersion (or with "0") the stream starts with an ADDED event per existing
// object; a resourceVersion older than the compaction point still answers HTTP 200,
// then one ERROR event carrying a 410 Expired Status, then the end of the stream, so
// clients handle "too old" the same way whether it happens at the start or later.
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import {
  ApiVersion,
  SlipwayError,
  StatusReason,
  isSlipwayError,
  type AnyResource,
} from '../../api/index.ts';
import type { ListOptions, Store, Watch, WatchEvent, WatchOptions } from '../../store/types.ts';
import { failureStatus, toSlipwayError, type Status } from '../status.ts';
import type { ReadQuery } from '../query.ts';
import type { Target } from './target.ts';

export interface WatchDeps {
  store: Store;
  /** Watches being served; shutdown closes them so `app.close()` never waits on a stream. */
  active: Set<Watch>;
  /** How often to send BOOKMARK events when the client allows them. */
  bookmarkIntervalMs: number;
}

/** What goes on the wire: store events, bookmarks with only a revision, and errors. */
type WireEvent =
  WatchEvent | { type: 'BOOKMARK'; object: BookmarkObject } | { type: 'ERROR'; object: Status };

interface BookmarkObject {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string };
}

function wireLine(event: WireEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** Resolves when the client has taken the buffered data, or has gone away. */
function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

function startStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'x-content-type-options': 'nosniff',
  });
  // Send the 200 now: a watch with nothing to report yet must still look established.
  raw.flushHeaders();
  return raw;
}

export async function serveWatch(
  deps: WatchDeps,
  reply: FastifyReply,
  log: FastifyBaseLogger,
  target: Target,
  query: ReadQuery,
): Promise<void> {
  const kind = target.kind.kind;
  const selection: ListOptions = {};
  if (target.namespace !== undefined) selection.namespace = target.namespace;
  if (query.labelSelector !== undefined) selection.labelSelector = query.labelSelector;
  if (query.fieldSelector !== undefined) selection.fieldSelector = query.fieldSelector;
  if (target.name !== undefined) {
    throw new SlipwayError(
      StatusReason.BadRequest,
      'watch a single object with fieldSelector=metadata.name=NAME on the collection',
    );
  }

  let initial: AnyResource[] = [];
  let from = query.resourceVersion;
  if (from === undefined || from === '0') {
    const current = await deps.store.list(kind, selection);
    initial = current.items;
    from = current.resourceVersion;
  }
  const options: WatchOptions = { ...selection, kind, resourceVersion: from };
  if (query.allowWatchBookmarks) options.bookmarkIntervalMs = deps.bookmarkIntervalMs;

  let watch: Watch;
  try {
    watch = await deps.store.watch(options);
  } catch (err: unknown) {
    if (!isSlipwayError(err, StatusReason.Gone)) throw err;
    const raw = startStream(reply);
    raw.end(wireLine({ type: 'ERROR', object: failureStatus(err) }));
    return;
  }

  deps.active.add(watch);
  const raw = startStream(reply);
  const stop = () => watch.close();
  raw.on('close', stop);
  const timer =
    query.timeoutSeconds !== undefined ? setTimeout(stop, query.timeoutSeconds * 1000) : undefined;
  try {
    for (const object of initial) {
      if (raw.destroyed) break;
      if (!raw.write(wireLine({ type: 'ADDED', object }))) await drained(raw);
    }
    for await (const event of watch) {
      if (raw.destroyed) break;
      const line = wireLine(event.type === 'BOOKMARK' ? bookmark(kind, event) : event);
      if (!raw.write(line)) await drained(raw);
    }
  } catch (err: unknown) {
    const failure = toSlipwayError(err);
    if (failure.reason === StatusReason.InternalError) log.error({ err }, 'watch failed');
    if (!raw.destroyed) raw.write(wireLine({ type: 'ERROR', object: failureStatus(failure) }));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    raw.off('close', stop);
    watch.close();
    deps.active.delete(watch);
    if (!raw.destroyed) raw.end();
  }
}

/** A BOOKMARK carries only the revision; kind and apiVersion let typed clients decode it. */
function bookmark(kind: string, event: WatchEvent): WireEvent {
  const resourceVersion = event.object.metadata.resourceVersion;
  const metadata = resourceVersion !== undefined ? { resourceVersion } : {};
  return { type: 'BOOKMARK', object: { apiVersion: ApiVersion, kind, metadata } };
}
