// One store watch = one etcd watch on the key prefix it covers, started at the revision
// after the one asked for, with previous values (for DELETED objects and selector
// transitions). etcd replays history and then streams live changes in revision order;
// the shared WatchStream buffers them for the consumer and applies the filter.
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { badRequest, gone, SlipwayError, StatusReason } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import type { ObjectKey } from '../object-rules.ts';
import type { WatchOptions } from '../types.ts';
import { compileWatchFilter, type ChangeRecord } from '../watch-filter.ts';
import { WatchStream, type IntervalTimers } from '../watch-stream.ts';
import type { ValueCodec } from './codec.ts';
import type { KeyLayout } from './keys.ts';

/** A client-supplied revision; undefined for "from now" ('' or '0'). As the SQLite store's. */
export function parseRevision(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`invalid ${what} "${value}": not a revision`);
  return Number(value);
}

export interface WatchContext {
  client: Etcd3;
  keys: KeyLayout;
  codec: ValueCodec;
  bufferLimit: number;
  timers?: IntervalTimers;
}

/** What the store read from etcd just before opening the watch. */
export interface WatchStart {
  /** Revision the watch reports changes after. */
  after: number;
  /** The prefix to watch. */
  prefix: string;
}

/**
 * Open an etcd watch feeding a WatchStream. `onClose` runs once when the stream ends.
 * The caller has checked the start revision against compaction and the current revision.
 */
export function openEtcdWatch<T extends AnyResource>(
  ctx: WatchContext,
  opts: WatchOptions,
  start: WatchStart,
  onClose: (stream: WatchStream<T>) => void,
): WatchStream<T> {
  const filter = compileWatchFilter(opts);
  // Revision up to which every change has been handed to the stream: bookmarks report it.
  let delivered = start.after;
  const builder = ctx.client
    .watch()
    .prefix(start.prefix)
    .startRevision(String(start.after + 1))
    .withPreviousKV();
  const watcher: Watcher = builder.watcher();
  const stream: WatchStream<T> = new WatchStream<T>({
    filter,
    bufferLimit: ctx.bufferLimit,
    currentRevision: () => delivered,
    onClose: () => {
      watcher.removeAllListeners();
      // Errors while cancelling do not matter: the stream is over either way.
      watcher.cancel().catch(() => undefined);
      onClose(stream);
    },
    ...(opts.bookmarkIntervalMs !== undefined
      ? { bookmarkIntervalMs: opts.bookmarkIntervalMs }
      : {}),
    ...(ctx.timers ? { timers: ctx.timers } : {}),
  });

  // The revision of the last progress notification, not trusted yet (see below).
  let progress: number | undefined;
  watcher.on('data', (res: IWatchResponse) => {
    // A response without events is etcd's progress notification, sent to a watch that
    // has caught up. etcd before 3.4.25 and 3.5.8 may send one just before the event of
    // its own revision (etcd-io/etcd#15220), so a notification's revision counts as
    // delivered only when the next one arrives: that comes after any such event.
    if (res.events.length === 0) {
      if (progress !== undefined) delivered = Math.max(delivered, progress);
      progress = Number(res.header.revision);
      return;
    }
    try {
      for (const ev of res.events) {
        const change = changeOf(ctx, ev.type, ev.kv, ev.prev_kv);
        if (change) stream.offer(change);
        delivered = Math.max(delivered, Number(ev.kv.mod_revision));
      }
    } catch (err: unknown) {
      stream.fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
  // etcd3 resumes a reconnected watch after the revision in the last response header,
  // which during a catch-up can be ahead of the events delivered so far; resume after
  // the last change actually delivered instead, so nothing is skipped.
  watcher.on('disconnected', () => {
    progress = undefined;
    watcher.request.start_revision = String(delivered + 1);
  });
  watcher.on('error', (err: Error) => {
    // etcd cancels a watch without a reason only when its start was compacted away.
    const compacted = /Watcher canceled: ?$|compacted/.test(err.message);
    stream.fail(
      compacted
        ? gone(`too old resource version: ${delivered} (history was compacted)`)
        : new SlipwayError(StatusReason.ServiceUnavailable, `etcd watch ended: ${err.message}`),
    );
  });
  return stream;
}

/** The change a watch event stands for; undefined for keys that are not objects. */
function changeOf(
  ctx: WatchContext,
  type: 'Put' | 'Delete',
  kv: IKeyValue,
  prevKv: IKeyValue | undefined,
): ChangeRecord | undefined {
  const key = ctx.keys.parse(kv.key.toString('utf8'));
  if (!key) return undefined;
  const revision = Number(kv.mod_revision);
  const prev = prevKv ? decoded(ctx, key, prevKv, prevKv.mod_revision) : undefined;
  if (type === 'Delete') {
    // The last state, at the revision of its removal, as the SQLite store logs it.
    if (!prev) throw gone(`too old resource version: the state before ${revision} was compacted`);
    const json = JSON.stringify({
      ...prev.object,
      metadata: { ...prev.object.metadata, resourceVersion: String(revision) },
    });
    return { revision, type: 'DELETED', ...key, labels: prev.object.metadata.labels, json };
  }
  const now = decoded(ctx, key, kv, kv.mod_revision);
  const labels = now.object.metadata.labels;
  const created = kv.create_revision === kv.mod_revision;
  const change: ChangeRecord = {
    revision,
    type: created ? 'ADDED' : 'MODIFIED',
    ...key,
    labels,
    json: now.json,
  };
  // The state before matters only when labels changed: that is all selector transitions need.
  if (!created && prev && JSON.stringify(prev.object.metadata.labels) !== JSON.stringify(labels)) {
    change.prev = { labels: prev.object.metadata.labels, json: prev.json };
  }
  return change;
}

function decoded(
  ctx: WatchContext,
  key: ObjectKey,
  kv: IKeyValue,
  revision: string,
): { object: AnyResource; json: string } {
  const object = ctx.codec.decode(key, kv.value, revision);
  return { object, json: JSON.stringify(object) };
}
