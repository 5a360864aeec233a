// `?watch=true`: newline-delimited JSON watch events over one chunked response, each
// written (and so flushed) as it happens. Follows Kubernetes: without a
// resourceVersion (or with "0") the stream starts with an ADDED event per existing
// object; a resourceVersion older than the compaction point still answers HTTP 200,
// then one ERROR event carrying a 410 Expired Status, then the end of the stream, so
// clients handle "too old" the same way whether it happens at the start or later.
// What the caller may not read is left out (see Visibility below), and so are Secrets
// of internal types.
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { ApiVersion, StatusReason, isSlipwayError, type AnyResource } from '../../api/index.ts';
import type { ListOptions, Store, Watch, WatchEvent, WatchOptions } from '../../store/types.ts';
import type { ReadFilter } from '../authz.ts';
import { isInternalSecret } from '../rbac/internal-secrets.ts';
import { failureStatus, toSlipwayError, type Status } from '../status.ts';
import type { ReadQuery } from '../query.ts';
import type { Target } from './target.ts';

export interface WatchDeps {
  store: Store;
  /** Streams being served; shutdown ends them so `app.close()` never waits on one. */
  active: Set<ActiveWatch>;
  /** How often to send BOOKMARK events when the client allows them. */
  bookmarkIntervalMs: number;
}

/** What goes on the wire: store events, bookmarks with only a revision, and errors. */
export interface ActiveWatch {
  /** Ask the stream to end after what it is writing. */
  close(): void;
  /** End it now, dropping the connection (for a client that stopped reading). */
  abort(): void;
  /** Settles once the response has ended and the store watch is closed. */
  done: Promise<void>;
}

/**
 * End every stream and wait until their responses are finished, so their connections
 * are idle when the listener closes. A client that stopped reading gets `graceMs`.
 */
export async function closeActiveWatches(active: Set<ActiveWatch>, graceMs = 1000): Promise<void> {
  const streams = [...active];
  for (const stream of streams) stream.close();
  const all = Promise.all(streams.map((stream) => stream.done));
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([all, grace]);
  clearTimeout(timer);
  if (outcome === 'late') {
    for (const stream of active) stream.abort();
    await all;
  }
}

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

/** Take the response over from Fastify and send the 200 now. */
function startStream(reply: FastifyReply, raw: ServerResponse): void {
  reply.hijack();
  if (raw.destroyed) return;
  raw.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'x-content-type-options': 'nosniff',
  });
  // Send the 200 now: a watch with nothing to report yet must still look established.
  raw.flushHeaders();
}

/**
 * Which events a caller's stream carries. Hidden objects' events are dropped. Objects
 * shown on this stream are remembered (keys only), so that a change which hides one
 * (e.g. a Project the caller was removed from) is sent as DELETED, carrying only the
 * object's identity, not its new content; and when the stream began with the full
 * list, a change that reveals one is sent as ADDED.
 *
 * Approximation: visibility is judged when an object changes. A change of membership or
 * grants alone (a Project edited, not the object) shows on the stream only at the
 * object's next change; clients that must follow it at once watch Projects and relist.
 * A stream started from a resourceVersion does not know what the client listed before:
 * a revealed object then arrives as MODIFIED, which informers treat as an add.
 */
class Visibility {
  readonly #filter: ReadFilter | undefined;
  readonly #shown = new Set<string>();
  #knowsAll = false;

  constructor(filter: ReadFilter | undefined) {
    this.#filter = filter;
  }

  #visible(object: AnyResource): boolean {
    return !isInternalSecret(object) && (this.#filter === undefined || this.#filter(object));
  }

  /** The initial list, filtered; from then on the stream knows everything the client has. */
  initial(objects: AnyResource[]): AnyResource[] {
    this.#knowsAll = true;
    const shown = objects.filter((object) => this.#visible(object));
    if (this.#filter !== undefined) for (const object of shown) this.#shown.add(keyOf(object));
    return shown;
  }

  /** The event to send for `event`, or undefined to send nothing. */
  event(event: WatchEvent): WatchEvent | undefined {
    if (event.type === 'BOOKMARK') return event;
    if (this.#filter === undefined) return isInternalSecret(event.object) ? undefined : event;
    const key = keyOf(event.object);
    const wasShown = this.#shown.has(key);
    if (this.#visible(event.object)) {
      if (event.type === 'DELETED') {
        this.#shown.delete(key);
        return event;
      }
      this.#shown.add(key);
      const added = event.type === 'MODIFIED' && this.#knowsAll && !wasShown;
      return added ? { type: 'ADDED', object: event.object } : event;
    }
    if (!wasShown) return undefined;
    this.#shown.delete(key);
    return { type: 'DELETED', object: identityOf(event.object) };
  }
}

function keyOf(object: AnyResource): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** Only what names the object: a hidden object's new content must not reach the caller. */
function identityOf(object: AnyResource): AnyResource {
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
  };
}

export async function serveWatch(
  deps: WatchDeps,
  reply: FastifyReply,
  log: FastifyBaseLogger,
  target: Target,
  query: ReadQuery,
  filter?: ReadFilter,
): Promise<void> {
  const visibility = new Visibility(filter);
  const kind = target.kind.kind;
  const raw = reply.raw;
  // Registered before anything is awaited: a client that leaves, or a server that shuts
  // down, while the list is read or the store watch opened must not leave a watch behind.
  let watch: Watch | undefined;
  let stopped = false;
  let streaming = false;
  const stop = () => {
    stopped = true;
    watch?.close();
  };
  const finished = Promise.withResolvers<void>();
  const active: ActiveWatch = { close: stop, abort: () => raw.destroy(), done: finished.promise };
  deps.active.add(active);
  raw.on('close', stop);
  const timer =
    query.timeoutSeconds !== undefined ? setTimeout(stop, query.timeoutSeconds * 1000) : undefined;
  try {
    let initial: AnyResource[] | undefined;
    try {
      ({ watch, initial } = await openStoreWatch(deps, target, query));
    } catch (err: unknown) {
      if (!isSlipwayError(err, StatusReason.Gone)) throw err;
      streaming = true;
      startStream(reply, raw);
      raw.write(wireLine({ type: 'ERROR', object: failureStatus(err) }));
      return;
    }
    if (stopped) watch.close();
    streaming = true;
    startStream(reply, raw);
    if (raw.destroyed) return;
    for (const object of initial ? visibility.initial(initial) : []) {
      if (raw.destroyed || stopped) break;
      if (!raw.write(wireLine({ type: 'ADDED', object }))) await drained(raw);
    }
    for await (const received of watch) {
      if (raw.destroyed) break;
      const event = visibility.event(received);
      if (event === undefined) continue;
      const line = wireLine(event.type === 'BOOKMARK' ? bookmark(kind, event) : event);
      if (!raw.write(line)) await drained(raw);
    }
  } catch (err: unknown) {
    // Before the stream starts, Fastify's error handler answers with the Status.
    if (!streaming) throw err;
    const failure = toSlipwayError(err);
    if (failure.reason === StatusReason.InternalError) log.error({ err }, 'watch failed');
    if (!raw.destroyed) raw.write(wireLine({ type: 'ERROR', object: failureStatus(failure) }));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    raw.off('close', stop);
    watch?.close();
    deps.active.delete(active);
    if (!streaming || raw.destroyed) finished.resolve();
    else raw.end(() => finished.resolve());
  }
}

/**
 * The store watch for a request, and the objects to send first as ADDED: without a
 * resourceVersion (or with "0") the current list, then every change after it
 * (`initial` is undefined when the client gave a resourceVersion).
 */
async function openStoreWatch(
  deps: WatchDeps,
  target: Target,
  query: ReadQuery,
): Promise<{ watch: Watch; initial: AnyResource[] | undefined }> {
  const kind = target.kind.kind;
  const selection: ListOptions = {};
  if (target.namespace !== undefined) selection.namespace = target.namespace;
  if (query.labelSelector !== undefined) selection.labelSelector = query.labelSelector;
  // A watch on one object's URL is a watch on the collection narrowed to its name, as in Kubernetes.
  const fieldSelector = [
    query.fieldSelector,
    target.name !== undefined ? `metadata.name=${target.name}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(',');
  if (fieldSelector !== '') selection.fieldSelector = fieldSelector;

  let initial: AnyResource[] | undefined;
  let from = query.resourceVersion;
  if (from === undefined || from === '0') {
    const current = await deps.store.list(kind, selection);
    initial = current.items;
    from = current.resourceVersion;
  }
  const options: WatchOptions = { ...selection, kind, resourceVersion: from };
  if (query.allowWatchBookmarks) options.bookmarkIntervalMs = deps.bookmarkIntervalMs;
  return { watch: await deps.store.watch(options), initial };
}

/** A BOOKMARK carries only the revision; kind and apiVersion let typed clients decode it. */
function bookmark(kind: string, event: WatchEvent): WireEvent {
  const resourceVersion = event.object.metadata.resourceVersion;
  const metadata = resourceVersion !== undefined ? { resourceVersion } : {};
  return { type: 'BOOKMARK', object: { apiVersion: ApiVersion, kind, metadata } };
}
