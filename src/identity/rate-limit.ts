// Login throttling: failed attempts are counted per user name and per client address in
// a sliding window; past the limit, logins from that name or address are refused until
// the oldest failure in the window ages out. In memory, per replica: it slows guessing,
// it is not an account lockout (which would let anyone lock anyone out).

export interface LoginRateLimits {
  /** Failures allowed per user name within the window; default 5. */
  perUser: number;
  /** Failures allowed per client address within the window; default 20. */
  perAddress: number;
  /** Window length; default 5 minutes. */
  windowMs: number;
}

export const defaultLoginRateLimits: LoginRateLimits = {
  perUser: 5,
  perAddress: 20,
  windowMs: 5 * 60 * 1000,
};

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Keys kept at most; beyond it the oldest are forgotten (a flood must not exhaust memory). */
const maxKeys = 50_000;

class SlidingWindow {
  readonly #failures = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Milliseconds until another attempt is allowed, or 0. */
  wait(key: string, now: number): number {
    const times = this.#recent(key, now);
    if (times.length < this.#limit) return 0;
    const oldest = times[times.length - this.#limit] ?? now;
    return Math.max(1, oldest + this.#windowMs - now);
  }

  record(key: string, now: number): void {
    const times = this.#recent(key, now);
    times.push(now);
    this.#failures.delete(key); // re-inserted last: the map stays ordered by last failure
    this.#failures.set(key, times);
    if (this.#failures.size > maxKeys) {
      const oldest = this.#failures.keys().next();
      if (oldest.done !== true) this.#failures.delete(oldest.value);
    }
  }

  clear(key: string): void {
    this.#failures.delete(key);
  }

  /** Forget the latest failure of `key` (an attempt counted ahead that succeeded). */
  forgetOne(key: string): void {
    const times = this.#failures.get(key);
    times?.pop();
    if (times?.length === 0) this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}

/**
 * Counts failed logins. Per attempt: `check`, then `recordFailure` *before* verifying the
 * password (so that a burst of parallel guesses is counted while they run), then
 * `recordSuccess` if it was right, which takes that failure back.
 */
export class LoginRateLimiter {
  readonly #users: SlidingWindow;
  readonly #addresses: SlidingWindow;
  readonly #now: () => number;

  constructor(opts: { limits?: Partial<LoginRateLimits>; now?: () => number } = {}) {
    const limits = { ...defaultLoginRateLimits, ...opts.limits };
    this.#users = new SlidingWindow(limits.perUser, limits.windowMs);
    this.#addresses = new SlidingWindow(limits.perAddress, limits.windowMs);
    this.#now = opts.now ?? Date.now;
  }

  /** Whether a login for this name from this address may be tried now. */
  check(username: string, address: string): RateDecision {
    const now = this.#now();
    const wait = Math.max(
      this.#users.wait(userKey(username), now),
      this.#addresses.wait(address, now),
    );
    return wait === 0
      ? { allowed: true }
      : { allowed: false, retryAfterSeconds: Math.ceil(wait / 1000) };
  }

  recordFailure(username: string, address: string): void {
    const now = this.#now();
    this.#users.record(userKey(username), now);
    this.#addresses.record(address, now);
  }

  /**
   * A successful login clears the user's failures and takes back the failure counted
   * ahead for the address (not the address's others: they may be someone else's).
   */
  recordSuccess(username: string, address: string): void {
    this.#users.clear(userKey(username));
    this.#addresses.forgetOne(address);
  }
}

/** Case-folded, so `Ann` and `ann` share a budget; cut, so a huge name costs no memory. */
function userKey(username: string): string {
  return username.slice(0, 256).toLowerCase();
}
