// Lock files as PVE uses them (PVE::Tools::lock_file_full): a worker that cannot take a
// lock at once waits, in arrival order, up to a timeout, then fails with
// "can't lock file '<path>' - got timeout". Shared holders coexist; an exclusive holder
// excludes everyone, and a waiting exclusive request holds back later shared ones.

export type LockMode = 'shared' | 'exclusive';

interface Waiter {
  mode: LockMode;
  grant: () => void;
}

interface LockState {
  shared: number;
  exclusive: boolean;
  queue: Waiter[];
}

/** A granted lock; call it once to release. */
export type Release = () => void;

export class LockTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

export class LockTable {
  readonly #locks = new Map<string, LockState>();

  /**
   * Take the lock on `path`; `onWait` is called when the caller has to wait (PVE prints
   * "trying to acquire lock..." into the task log then). Rejects with LockTimeoutError,
   * whose message is `timeoutMessage` or lock_file's "can't lock file '<path>' - got timeout".
   */
  acquire(
    path: string,
    mode: LockMode,
    options: {
      timeoutMs: number;
      onWait?: () => void;
      timeoutMessage?: string;
      /** Stops waiting ("interrupted by signal"), as a stopped task's worker would. */
      signal?: AbortSignal;
    },
  ): Promise<Release> {
    const { timeoutMs, onWait, signal } = options;
    if (signal?.aborted) return Promise.reject(new Error('interrupted by signal'));
    const state = this.#state(path);
    if (state.queue.length === 0 && compatible(state, mode)) {
      take(state, mode);
      return Promise.resolve(this.#releaser(path, mode));
    }
    onWait?.();
    return new Promise<Release>((resolve, reject) => {
      const giveUp = (error: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = state.queue.indexOf(waiter);
        if (index >= 0) state.queue.splice(index, 1);
        this.#grantWaiting(path);
        reject(error);
      };
      const onAbort = () => giveUp(new Error('interrupted by signal'));
      const waiter: Waiter = {
        mode,
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser(path, mode));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        giveUp(
          new LockTimeoutError(options.timeoutMessage ?? `can't lock file '${path}' - got timeout`),
        );
      }, timeoutMs);
      state.queue.push(waiter);
    });
  }

  /** Whether anyone holds or waits for `path` (for tests and diagnostics). */
  busy(path: string): boolean {
    const state = this.#locks.get(path);
    return state !== undefined && (state.exclusive || state.shared > 0 || state.queue.length > 0);
  }

  #state(path: string): LockState {
    let state = this.#locks.get(path);
    if (!state) {
      state = { shared: 0, exclusive: false, queue: [] };
      this.#locks.set(path, state);
    }
    return state;
  }

  #releaser(path: string, mode: LockMode): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const state = this.#state(path);
      if (mode === 'exclusive') state.exclusive = false;
      else state.shared -= 1;
      this.#grantWaiting(path);
    };
  }

  #grantWaiting(path: string): void {
    const state = this.#state(path);
    while (state.queue.length > 0) {
      const next = state.queue[0];
      if (!next || !compatible(state, next.mode)) break;
      state.queue.shift();
      take(state, next.mode);
      next.grant();
    }
    if (!state.exclusive && state.shared === 0 && state.queue.length === 0) {
      this.#locks.delete(path);
    }
  }
}

function compatible(state: LockState, mode: LockMode): boolean {
  if (state.exclusive) return false;
  return mode === 'shared' || state.shared === 0;
}

function take(state: LockState, mode: LockMode): void {
  if (mode === 'exclusive') state.exclusive = true;
  else state.shared += 1;
}

/** Which lock to take: its key in the table, and the message of a timeout. */
export interface LockName {
  key: string;
  timeoutMessage: string;
}

/**
 * A VM's config lock (PVE::QemuConfig->config_file_lock): a file under /var/lock on the
 * node that runs the operation, so the key names the node.
 */
export function vmConfigLock(node: string, vmid: number): LockName {
  const path = `/var/lock/qemu-server/lock-${vmid}.conf`;
  return { key: `${node}:${path}`, timeoutMessage: `can't lock file '${path}' - got timeout` };
}

/**
 * A storage's lock (PVE::Storage::Plugin::cluster_lock_storage): a lock file on the node
 * for local storage, a pmxcfs lock for the whole cluster for shared storage.
 */
export function storageLock(storage: string, shared: boolean, node: string): LockName {
  if (shared) {
    return {
      key: `pmxcfs:storage-${storage}`,
      timeoutMessage: `cfs-lock 'storage-${storage}' error: got lock request timeout`,
    };
  }
  const path = `/var/lock/pve-manager/pve-storage-${storage}`;
  return { key: `${node}:${path}`, timeoutMessage: `can't lock file '${path}' - got timeout` };
}
