// Change events of the simulated clusters, for watch streams: a bounded history per
// cluster (so a watch can resume from a recent resourceVersion) and live listeners.
// In-process only: a restarted server answers a watch from before the restart with
// 410 Expired, as a real API server does after compaction, and clients relist.
import type { KubeObject } from './objects.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface SimWatchEvent {
  type: WatchEventType;
  /** The object after the change; for DELETED, its last state with the deletion's revision. */
  object: KubeObject;
  revision: number;
}

export type WatchListener = (event: SimWatchEvent) => void;

/** Events kept per cluster for resuming watches. */
const defaultHistory = 2000;

interface ClusterChannel {
  history: SimWatchEvent[];
  /** Revision before the oldest event in history: resuming from it or later is exact. */
  floor: number;
  listeners: Set<WatchListener>;
  /** Called when the cluster is removed: streams end. */
  closers: Set<() => void>;
}

export class WatchHub {
  readonly #channels = new Map<string, ClusterChannel>();
  readonly #historyLimit: number;
  /** The revision when the hub was created: nothing before it is in any history. */
  readonly #startRevision: number;

  constructor(startRevision: number, historyLimit = defaultHistory) {
    this.#startRevision = startRevision;
    this.#historyLimit = historyLimit;
  }

  #channel(clusterId: string): ClusterChannel {
    let channel = this.#channels.get(clusterId);
    if (!channel) {
      channel = {
        history: [],
        floor: this.#startRevision,
        listeners: new Set(),
        closers: new Set(),
      };
      this.#channels.set(clusterId, channel);
    }
    return channel;
  }

  publish(clusterId: string, event: SimWatchEvent): void {
    const channel = this.#channel(clusterId);
    channel.history.push(event);
    if (channel.history.length > this.#historyLimit) {
      const dropped = channel.history.splice(0, channel.history.length - this.#historyLimit);
      channel.floor = dropped.at(-1)?.revision ?? channel.floor;
    }
    for (const listener of channel.listeners) listener(event);
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
    const channel = this.#channel(clusterId);
    if (fromRevision < channel.floor) return 'expired';
    for (const event of channel.history) if (event.revision > fromRevision) listener(event);
    channel.listeners.add(listener);
    channel.closers.add(onClose);
    return {
      stop: () => {
        channel.listeners.delete(listener);
        channel.closers.delete(onClose);
      },
    };
  }

  /** The cluster is gone: end its streams and forget its history. */
  dropCluster(clusterId: string, revision: number): void {
    const channel = this.#channels.get(clusterId);
    if (!channel) return;
    for (const close of [...channel.closers]) close();
    channel.history = [];
    channel.floor = revision;
    channel.listeners.clear();
    channel.closers.clear();
  }

  closeAll(): void {
    for (const channel of this.#channels.values()) {
      for (const close of [...channel.closers]) close();
      channel.listeners.clear();
      channel.closers.clear();
    }
  }
}
