// When etcd last renewed a lease, as far as this process can prove — the basis of the
// leader's local deadline (ADR 9).

/** The keepalive events of an etcd3 Lease that matter here. */
export interface KeepaliveEvents {
  on(event: 'keepaliveFired' | 'keepaliveFailed', handler: () => void): unknown;
  on(event: 'keepaliveSucceeded', handler: (res: { TTL: string }) => void): unknown;
}

/**
 * When etcd last renewed a lease, as far as this process can prove: created just before
 * the grant is sent, then the send time of the oldest keepalive still unanswered when a
 * response arrives (responses come in order on the stream, so a renewal is never
 * credited later than it was asked for).
 */
export class LeaseRenewals {
  lastRenewedAt: number;
  #ttlMs: number;
  readonly #now: () => number;
  #inFlight: number[] = [];

  constructor(now: () => number, ttlMs: number) {
    this.#now = now;
    this.#ttlMs = ttlMs;
    this.lastRenewedAt = now();
  }

  /** A keepalive (or the grant) is being sent now. */
  sent(): void {
    // Past the cap a send is not noted: its answer then credits nothing (never too late).
    if (this.#inFlight.length < 100) this.#inFlight.push(this.#now());
  }

  /** Track the keepalives of `lease` (an etcd3 Lease). */
  follow(lease: KeepaliveEvents): void {
    lease.on('keepaliveFired', () => this.sent());
    lease.on('keepaliveFailed', () => (this.#inFlight = []));
    lease.on('keepaliveSucceeded', (res: { TTL: string }) => {
      const sentAt = this.#inFlight.shift();
      if (sentAt === undefined) return;
      this.lastRenewedAt = Math.max(this.lastRenewedAt, sentAt);
      // etcd may grant more than asked, never less; trust the smaller.
      const granted = Number(res.TTL) * 1000;
      if (granted > 0) this.#ttlMs = Math.min(this.#ttlMs, granted);
    });
  }

  /** When leadership must end: `marginMs` before etcd could expire the lease. */
  deadline(marginMs: number): number {
    return this.lastRenewedAt + this.#ttlMs - marginMs;
  }
}
