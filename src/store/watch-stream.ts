// One watcher: a buffer between the writers (who must never wait for a consumer) and an
// async iterator. Events are kept as shared JSON strings and parsed only when the
// consumer takes them, so a hundred watchers cost one serialization per write and each
// consumer gets its own object to mutate.
import { SlipwayError, StatusReason } from '../api/errors.ts';
import { ApiVersion, type AnyResource } from '../api/meta.ts';
import type { Watch, WatchEvent } from './types.ts';
import {
  eventFor,
  type ChangeRecord,
  type PendingEvent,
  type WatchFilter,
} from './watch-filter.ts';

/** Timer functions, injectable so tests and embedders control time. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const nodeIntervalTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * Committed changes with `after < revision <= through`, oldest first, at most `limit`.
 * Throws Gone when history after `after` has been compacted away.
 */
export type HistoryReader = (
  after: number,
  through: number,
  limit: number,
) => ChangeRecord[] | Promise<ChangeRecord[]>;

/** History to send before live events: every change in (from, through]. */
export interface Replay {
  read: HistoryReader;
  from: number;
  /** The revision when the watch was registered; live events are all after it. */
  through: number;
}

/** Rows read from history at a time: replay memory stays bounded however far back it starts. */
export const replayPageSize = 500;

export interface WatchStreamOptions {
  filter: WatchFilter;
  /** Live events buffered for a consumer that does not read before the watch is ended. */
  bufferLimit: number;
  /** History to replay first, read lazily as the consumer asks for events. */
  replay?: Replay;
  bookmarkIntervalMs?: number;
  /** The store's revision now, for bookmarks. */
  currentRevision: () => number;
  /** Called once when the watch ends, to unregister it. */
  onClose: () => void;
  timers?: IntervalTimers;
}

type Queued = PendingEvent | { type: 'BOOKMARK'; revision: number };

interface Waiter<T extends AnyResource> {
  resolve(result: IteratorResult<WatchEvent<T>>): void;
  reject(err: Error): void;
}

export class WatchStream<T extends AnyResource = AnyResource> implements Watch<T> {
  readonly #opts: WatchStreamOptions;
  readonly #timers: IntervalTimers;
  #queue: Queued[] = [];
  #head = 0;
  #waiters: Waiter<T>[] = [];
  #error: Error | undefined;
  #closed = false;
  #timer: unknown;
  /** Replay still to do: the last revision replayed and the events of the current page. */
  #replay:
    { cursor: number; through: number; read: HistoryReader; page: PendingEvent[] } | undefined;
  /** Serializes replay reads when several `next()` calls overlap. */
  #replayTurn: Promise<unknown> = Promise.resolve();

  constructor(opts: WatchStreamOptions) {
    this.#opts = opts;
    this.#timers = opts.timers ?? nodeIntervalTimers;
    const replay = opts.replay;
    if (replay !== undefined && replay.from < replay.through) {
      this.#replay = { cursor: replay.from, through: replay.through, read: replay.read, page: [] };
    }
    const interval = opts.bookmarkIntervalMs;
    if (interval !== undefined && interval > 0) {
      this.#timer = this.#timers.setInterval(() => this.#bookmark(), interval);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Offer a live committed change; queued only if this watcher's filter lets it through. */
  offer(change: ChangeRecord): void {
    if (this.#closed) return;
    const event = eventFor(this.#opts.filter, change);
    if (event) this.#push(event);
  }

  /** End the iteration; buffered events are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearInterval(this.#timer);
    this.#queue = [];
    this.#head = 0;
    this.#replay = undefined;
    this.#opts.onClose();
    for (const w of this.#waiters.splice(0)) {
      // The first pending reader gets the error (if any); the rest see the end.
      if (this.#error === undefined) w.resolve({ done: true, value: undefined });
      else w.reject(this.#error);
      this.#error = undefined;
    }
  }

  /** End the iteration with an error the consumer sees on its next read. */
  fail(err: Error): void {
    if (this.#closed) return;
    this.#error = err;
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: () => this.#next(),
      return: () => {
        this.close();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  #push(item: Queued): void {
    // While history is replayed, live events wait behind it.
    const waiter = this.#replay === undefined ? this.#waiters.shift() : undefined;
    if (waiter) {
      waiter.resolve({ done: false, value: this.#materialize(item) });
      return;
    }
    if (this.#queue.length - this.#head >= this.#opts.bufferLimit) {
      // A consumer this far behind would make the process hold every event since it
      // stopped reading; end its watch instead, as kube-apiserver does. The history is
      // still in the log, so it can watch again from the last revision it saw.
      this.fail(
        new SlipwayError(
          StatusReason.ServiceUnavailable,
          `watch closed: the consumer fell ${this.#opts.bufferLimit} events behind; watch again from the last resourceVersion it saw`,
        ),
      );
      return;
    }
    this.#queue.push(item);
  }

  #bookmark(): void {
    // Only when idle: queued events already tell the consumer how far it got.
    if (this.#closed || this.#replay !== undefined || this.#head < this.#queue.length) return;
    this.#push({ type: 'BOOKMARK', revision: this.#opts.currentRevision() });
  }

  #next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.#replay !== undefined) {
      const turn = this.#replayTurn.then(() => this.#nextReplayed());
      this.#replayTurn = turn.catch(() => undefined);
      return turn;
    }
    if (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head++] as Queued;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value: this.#materialize(item) });
    }
    if (this.#closed) {
      const err = this.#error;
      this.#error = undefined;
      return err === undefined
        ? Promise.resolve({ done: true, value: undefined })
        : Promise.reject(err);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The next event of history, reading a page when the current one is used up. */
  async #nextReplayed(): Promise<IteratorResult<WatchEvent<T>>> {
    const replay = this.#replay;
    if (replay === undefined) return this.#next();
    while (replay.page.length === 0 && replay.cursor < replay.through) {
      let changes: ChangeRecord[];
      try {
        changes = await replay.read(replay.cursor, replay.through, replayPageSize);
      } catch (err: unknown) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return this.#next();
      }
      if (this.#replay !== replay) return this.#next(); // closed meanwhile
      for (const change of changes) {
        const event = eventFor(this.#opts.filter, change);
        if (event) replay.page.push(event);
      }
      const last = changes.at(-1);
      replay.cursor = changes.length < replayPageSize || !last ? replay.through : last.revision;
    }
    const item = replay.page.shift();
    if (item !== undefined) return { done: false, value: this.#materialize(item) };
    this.#replay = undefined;
    return this.#next();
  }

  #materialize(item: Queued): WatchEvent<T> {
    if (item.type === 'BOOKMARK') {
      const object = {
        apiVersion: ApiVersion,
        kind: this.#opts.filter.kind ?? '',
        metadata: { name: '', resourceVersion: String(item.revision) },
      };
      return { type: 'BOOKMARK', object: object as T };
    }
    const object = JSON.parse(item.json) as T;
    if (item.restamp) object.metadata.resourceVersion = String(item.revision);
    return { type: item.type, object };
  }
}
