// How many clones may run at once from one template and onto one storage. Proxmox
// serialises clones of one source with lock files that wait 10 s and then fail ("can't
// lock file … got timeout"), and Proxmox VE 9.1 caps concurrent clones per template, so
// firing twenty clones at one template makes most of them fail. A reconcile never waits
// for a slot: it takes one or reports WaitingForCloneSlot and comes back.

export interface SlotRequest {
  key: string;
  limit: number;
}

/** Counting slots by key; a caller takes slots of several keys at once or none. */
export class CloneSlots {
  readonly #inUse = new Map<string, number>();

  /** Takes one slot of every key, or none; returns the release function, or undefined. */
  tryAcquire(requests: readonly SlotRequest[]): (() => void) | undefined {
    for (const { key, limit } of requests) {
      if ((this.#inUse.get(key) ?? 0) >= limit) return undefined;
    }
    for (const { key } of requests) this.#inUse.set(key, (this.#inUse.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const { key } of requests) {
        const left = (this.#inUse.get(key) ?? 1) - 1;
        if (left <= 0) this.#inUse.delete(key);
        else this.#inUse.set(key, left);
      }
    };
  }

  inUse(key: string): number {
    return this.#inUse.get(key) ?? 0;
  }
}

/** Serialises async work per key (one reconcile per machine at a time in this process). */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      done();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
