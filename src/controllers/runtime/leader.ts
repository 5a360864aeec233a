// The leader-election hook: controllers run only in the process that holds leadership.
// Today one process per data directory (DataDirLock); with etcd, a lease.

export interface LeaderElector {
  /** Resolves once this process leads; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Called (once) if leadership is lost after acquire; the holder must stop at once. */
  onLost(callback: () => void): void;
  /** Give leadership up. Safe to call when not leading. */
  release(): Promise<void>;
}

/** Always the leader: for tests and for embedders that guarantee one process themselves. */
export class SoleLeader implements LeaderElector {
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return Promise.resolve();
  }

  onLost(): void {}

  release(): Promise<void> {
    return Promise.resolve();
  }
}
