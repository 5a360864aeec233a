// A token bucket per (involved object, reason), like client-go's
// EventSourceObjectSpamFilter: a burst of events passes, then one per refill interval.
// Deduplication already turns repeats into a count, but every repeat is still a store
// write; this bounds the writes a reconcile loop that records on every pass can cause.

export interface SpamFilterOptions {
  /** Events that pass at once. Default 25. */
  burst?: number;
  /** One more event may pass per this many ms. Default 5 minutes. */
  refillMs?: number;
  /** Buckets kept before full ones are forgotten. Default 4096. */
  maxTracked?: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class EventSpamFilter {
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #maxTracked: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(opts: SpamFilterOptions = {}) {
    this.#burst = opts.burst ?? 25;
    this.#refillMs = opts.refillMs ?? 5 * 60_000;
    this.#maxTracked = opts.maxTracked ?? 4096;
  }

  /** Whether an event under `key` may be written at `now` (ms); takes a token if so. */
  allow(key: string, now: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, updated: now };
    this.#refill(bucket, now);
    if (!this.#buckets.has(key)) {
      if (this.#buckets.size >= this.#maxTracked) this.#forgetFull(now);
      this.#buckets.set(key, bucket);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #refill(bucket: Bucket, now: number): void {
    const earned = Math.floor((now - bucket.updated) / this.#refillMs);
    if (earned <= 0) return;
    bucket.tokens = Math.min(this.#burst, bucket.tokens + earned);
    bucket.updated = bucket.tokens === this.#burst ? now : bucket.updated + earned * this.#refillMs;
  }

  /** Drop buckets that have refilled: forgetting them changes nothing. */
  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.tokens >= this.#burst) this.#buckets.delete(key);
    }
  }
}
