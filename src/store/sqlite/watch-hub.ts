// The watchers of one store: opened with history from the watch log, fed live changes
// right after each commit, and all closed with the store.
import { badRequest, gone, tooLargeResourceVersion } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import type { Watch, WatchOptions } from '../types.ts';
import { compileWatchFilter, type ChangeRecord } from '../watch-filter.ts';
import { WatchStream, type HistoryReader, type IntervalTimers } from '../watch-stream.ts';
import { changeOf, type BodyCodec } from './codec.ts';
import type { StoreDatabase } from './database.ts';

/** A client-supplied revision; undefined for "from now" ('' or '0'). */
export function parseRevision(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`invalid ${what} "${value}": not a revision`);
  return Number(value);
}

export interface WatchHubOptions {
  bufferLimit: number;
  timers?: IntervalTimers;
}

export class WatchHub {
  readonly #watchers = new Set<WatchStream>();
  readonly #opts: WatchHubOptions;

  constructor(opts: WatchHubOptions) {
    this.#opts = opts;
  }

  open<T extends AnyResource>(db: StoreDatabase, codec: BodyCodec, opts: WatchOptions): Watch<T> {
    const filter = compileWatchFilter(opts);
    const from = parseRevision(opts.resourceVersion, 'resourceVersion');
    const compacted = db.meta('compacted');
    if (from !== undefined && from < compacted) {
      throw gone(`too old resource version: ${from} (${compacted})`);
    }
    // Watching from the future would silently skip every change up to it.
    const current = db.meta('revision');
    if (from !== undefined && from > current) throw tooLargeResourceVersion(from, current);
    const kind = opts.kind || undefined;
    const stream: WatchStream = new WatchStream({
      filter,
      bufferLimit: this.#opts.bufferLimit,
      currentRevision: () => db.meta('revision'),
      onClose: () => this.#watchers.delete(stream),
      ...(opts.bookmarkIntervalMs !== undefined
        ? { bookmarkIntervalMs: opts.bookmarkIntervalMs }
        : {}),
      ...(this.#opts.timers ? { timers: this.#opts.timers } : {}),
      ...(from !== undefined
        ? { replay: { from, through: current, read: historyReader(db, codec, kind) } }
        : {}),
    });
    // Reading the current revision and registering happen in one synchronous step: no
    // commit can fall between the replayed history (up to `through`) and live events.
    this.#watchers.add(stream);
    return stream as unknown as Watch<T>;
  }

  publish(change: ChangeRecord): void {
    for (const w of this.#watchers) w.offer(change);
  }

  closeAll(): void {
    for (const w of [...this.#watchers]) w.close();
  }
}

/** Pages of the watch log, decoded; Gone once compaction has passed the cursor. */
function historyReader(
  db: StoreDatabase,
  codec: BodyCodec,
  kind: string | undefined,
): HistoryReader {
  return (after, through, limit) => {
    const compacted = db.meta('compacted');
    if (after < compacted) {
      throw gone(`too old resource version: ${after} (${compacted}): compacted while replaying`);
    }
    return db.logPage(after, through, limit, kind).map((row) => changeOf(codec, row));
  };
}
