// Choosing the VMID of a new VM. `/cluster/nextid` reserves nothing, so two clones can be
// given the same ID: the clone that loses answers "already exists" and is retried with
// another. IDs this process has handed to clones still in flight are skipped, and so are
// IDs that lost a race a moment ago, so one process never offers one ID twice.

/** IDs handed out and not yet visible in Proxmox's VM list, with when they were given. */
export class VmidReservations {
  readonly #reserved = new Map<number, number>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  /** `ttlMs`: how long an ID stays reserved without being released (a clone's start). */
  constructor(ttlMs = 60_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  reserve(vmid: number): void {
    this.#reserved.set(vmid, this.#now());
  }

  release(vmid: number): void {
    this.#reserved.delete(vmid);
  }

  has(vmid: number): boolean {
    const at = this.#reserved.get(vmid);
    if (at === undefined) return false;
    if (this.#now() - at > this.#ttlMs) {
      this.#reserved.delete(vmid);
      return false;
    }
    return true;
  }
}

export interface VmidChoice {
  /** IDs Proxmox lists now (every VM the credential can see). */
  used: ReadonlySet<number>;
  reservations: VmidReservations;
  /** IDs that failed with "already exists" in this attempt (VMs the token cannot see). */
  refused: ReadonlySet<number>;
  /** The configured range; else the search starts at `nextid`. */
  range?: { from: number; to: number };
  /** What `/cluster/nextid` said, when no range is configured. */
  nextid?: number;
}

/**
 * The first ID that is free as far as this process knows, or undefined when the range
 * is full.
 *
 * @example
 *   pickVmid({ used: new Set([100, 101]), reservations, refused: new Set(), nextid: 100 }); // 102
 */
export function pickVmid(choice: VmidChoice): number | undefined {
  const from = choice.range?.from ?? choice.nextid ?? 100;
  const to = choice.range?.to ?? 999_999_999;
  for (let id = Math.max(from, 100); id <= to; id++) {
    if (choice.used.has(id) || choice.refused.has(id) || choice.reservations.has(id)) continue;
    return id;
  }
  return undefined;
}
