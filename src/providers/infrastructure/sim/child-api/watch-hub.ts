// Change events of the simulated clusters, for watch streams: one bounded history for
// all clusters (so a watch can resume from a recent resourceVersion, and memory stays
// bounded however many clusters there are) and live listeners per cluster. Like etcd
// compaction, a watch from before the oldest kept event gets 410 Expired and relists.
// In-process only: after a restart every older resourceVersion is expired.
import type { KubeObject } from './objects.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface SimWatchEvent {
  type: WatchEventType;
  /** The object after the change; for DELETED, its last state with the deletion's revision. */
  object: KubeObject;
  revision: number;
}

export type WatchListener = (event: SimWatchEvent) => void;

/** Events kept for resuming watches, across all clusters. */
const defaultHistory = 10_000;

interface Subscriber {
  listener: WatchListener;
  close: () => void;
}

export class WatchHub {
  #history: { clusterId: string; event: SimWatchEvent }[] = [];
  readonly #historyLimit: number;
  /** Resuming from a revision below this is not exact any more. */
  #floor: number;
  /** Per cluster: its revision when it was last dropped (older revisions belong to a previous incarnation). */
  readonly #resets = new Map<string, number>();
  readonly #subscribers = new Map<string, Set<Subscriber>>();

  constructor(startRevision: number, historyLimit = defaultHistory) {
    this.#floor = startRevision;
    this.#historyLimit = historyLimit;
  }

  publish(clusterId: string, event: SimWatchEvent): void {
    this.#history.push({ clusterId, event });
    // Trim in batches so publishing stays O(1) amortised.
    if (this.#history.length > this.#historyLimit * 1.25) {
      const dropped = this.#history.length - this.#historyLimit;
      this.#floor = this.#history[dropped - 1]?.event.revision ?? this.#floor;
      this.#history = this.#history.slice(dropped);
    }
    for (const subscriber of this.#subscribers.get(clusterId) ?? []) subscriber.listener(event);
  }

  /**
   * Replay events after `fromRevision`, then deliver live ones. Returns 'expired' when
   * the history no longer reaches back that far (the caller answers 410).
   */
  subscribe(
    clusterId: string,
    fromRevision: number,
    listener: WatchListener,
    onClose: () => void,
  ): { stop(): void } | 'expired' {
    if (fromRevision < this.#floor || fromRevision < (this.#resets.get(clusterId) ?? 0)) {
      return 'expired';
    }
    for (const entry of this.#history) {
      if (entry.clusterId === clusterId && entry.event.revision > fromRevision) {
        listener(entry.event);
      }
    }
    const subscriber: Subscriber = { listener, close: onClose };
    let set = this.#subscribers.get(clusterId);
    if (!set) {
      set = new Set();
      this.#subscribers.set(clusterId, set);
    }
    set.add(subscriber);
    return {
      stop: () => {
        const current = this.#subscribers.get(clusterId);
        current?.delete(subscriber);
        if (current?.size === 0) this.#subscribers.delete(clusterId);
      },
    };
  }

  /** The cluster is gone: end its streams; its older revisions are expired from now on. */
  dropCluster(clusterId: string, revision: number): void {
    this.#resets.set(clusterId, revision);
    this.#history = this.#history.filter((entry) => entry.clusterId !== clusterId);
    const subscribers = this.#subscribers.get(clusterId);
    this.#subscribers.delete(clusterId);
    for (const subscriber of subscribers ?? []) subscriber.close();
  }

  closeAll(): void {
    const all = [...this.#subscribers.values()].flatMap((set) => [...set]);
    this.#subscribers.clear();
    for (const subscriber of all) subscriber.close();
  }
}
