// Leader election through an etcd lease (ADR 0009), for replicas sharing an etcd store.
//
// - Campaign: a transaction creates the leader key (`/slipway/leader`) only if it does
//   not exist (create revision 0), attached to a fresh lease of this replica, and
//   records who holds it. The loser watches the key and tries again once it is deleted
//   (its holder's lease expired or was revoked).
// - Holding: etcd3 keeps the lease alive (a keepalive every TTL/3). Each confirmed
//   keepalive pushes a local deadline to (time the keepalive was sent + TTL − safety
//   margin), on a monotonic clock. etcd cannot expire the lease before the send time
//   plus TTL, so a replica that stops at its deadline has stopped before any other
//   replica can create the key — even if etcd is unreachable and no event ever comes.
//   A lease that etcd reports expired or revoked, and a leader key deleted or replaced,
//   end leadership at once.
// - Fencing token: the leader key's create revision. It grows with every new term, so
//   a store write made conditional on it (`createRevision(key) == token`) fails once
//   another term has begun.
// - Release revokes the lease: the key goes with it and a waiting replica takes over.
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { IKeyValue, Lease, Namespace, Watcher } from 'etcd3';
import { LeaseRenewals } from './etcd-lease-renewals.ts';
import type { LeaderElector } from './leader.ts';
import { silentLogger, type RuntimeLogger } from './logger.ts';

export const defaultLeaderKey = '/slipway/leader';

export interface EtcdLeaderElectorOptions {
  /** An etcd3 client (or a namespace of one); the caller owns and closes it. */
  client: Namespace;
  /** The leader key, relative to `client`. Default `/slipway/leader`. */
  key?: string;
  /** Lease time-to-live in whole seconds (etcd's unit). Default 15. */
  ttlSeconds?: number;
  /** Leadership ends this long before the lease could expire (ms). Default TTL/5. */
  safetyMarginMs?: number;
  /** Names this replica in the leader key; default a random id. */
  replicaId?: string;
  /** Wait after a failed etcd request before trying again (ms). Default 1 s. */
  retryIntervalMs?: number;
  /** Deadline of each etcd request (ms). Default 5 s. */
  requestTimeoutMs?: number;
  logger?: RuntimeLogger;
  /** A monotonic clock in ms; default `performance.now`. */
  monotonicNow?: () => number;
}

/** What the leader key holds. */
export interface LeaderRecord {
  holder: string;
  hostname: string;
  pid: number;
  replicaId: string;
  acquiredAt: string;
}

export interface LeaderInfo {
  /** Whether this replica leads now. */
  leader: boolean;
  /** Who leads (this replica or the one last seen holding the key), if known. */
  holder?: string;
  /** Since when that holder leads. */
  since?: Date;
}

interface Term {
  lease: Lease;
  leaseId: string;
  token: string;
  since: Date;
  renewals: LeaseRenewals;
  timer: NodeJS.Timeout | undefined;
  watcher: Watcher | undefined;
}

export class EtcdLeaderElector implements LeaderElector {
  readonly key: string;
  readonly ttlSeconds: number;
  readonly safetyMarginMs: number;
  readonly #client: Namespace;
  readonly #record: Omit<LeaderRecord, 'acquiredAt'>;
  readonly #retryMs: number;
  readonly #requestMs: number;
  readonly #log: RuntimeLogger;
  readonly #now: () => number;
  readonly #lostCallbacks: (() => void)[] = [];
  #term: Term | undefined;
  #acquiring = false;
  /** Lost with no callback registered yet: the next onLost runs at once. */
  #lostUnreported = false;
  #seen: LeaderRecord | undefined;

  constructor(opts: EtcdLeaderElectorOptions) {
    this.#client = opts.client;
    this.key = opts.key ?? defaultLeaderKey;
    this.ttlSeconds = opts.ttlSeconds ?? 15;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new Error(`ttlSeconds must be a whole number of seconds ≥ 1, got ${opts.ttlSeconds}`);
    }
    this.safetyMarginMs = opts.safetyMarginMs ?? (this.ttlSeconds * 1000) / 5;
    if (!(this.safetyMarginMs >= 0 && this.safetyMarginMs < this.ttlSeconds * 1000)) {
      throw new Error(
        `safetyMarginMs must be ≥ 0 and below the TTL (${this.ttlSeconds * 1000} ms), got ${opts.safetyMarginMs}`,
      );
    }
    const replicaId = opts.replicaId ?? randomUUID().slice(0, 8);
    this.#record = {
      holder: `${hostname()}/${process.pid}/${replicaId}`,
      hostname: hostname(),
      pid: process.pid,
      replicaId,
    };
    this.#retryMs = opts.retryIntervalMs ?? 1000;
    this.#requestMs = opts.requestTimeoutMs ?? 5000;
    this.#log = opts.logger ?? silentLogger;
    this.#now = opts.monotonicNow ?? (() => performance.now());
  }

  /** This replica's name in the leader key: `hostname/pid/replicaId`. */
  get holder(): string {
    return this.#record.holder;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#leading()) return;
    if (this.#acquiring) throw new Error('acquire is already running on this elector');
    this.#acquiring = true;
    try {
      for (;;) {
        signal?.throwIfAborted();
        let vacantFrom: string | undefined;
        try {
          vacantFrom = await raceAbort(this.#campaign(signal), signal);
        } catch (err: unknown) {
          if (signal?.aborted) throw signal.reason;
          this.#log.warn({ err, key: this.key }, 'leader election: etcd request failed; retrying');
          await sleep(this.#retryMs, signal);
          continue;
        }
        if (vacantFrom === undefined) return; // elected
        await this.#waitForVacancy(vacantFrom, signal);
      }
    } finally {
      this.#acquiring = false;
    }
  }

  onLost(callback: () => void): void {
    if (this.#lostUnreported) {
      this.#lostUnreported = false;
      queueMicrotask(callback);
      return;
    }
    this.#lostCallbacks.push(callback);
  }

  async release(): Promise<void> {
    const term = this.#term;
    if (!term) return;
    this.#endTerm(term);
    try {
      await term.lease.revoke({ deadline: Date.now() + this.#requestMs });
      this.#log.info({ key: this.key }, 'leadership released');
    } catch (err: unknown) {
      this.#log.warn(
        { err, key: this.key },
        `could not revoke the leader lease; it expires within ${this.ttlSeconds} s`,
      );
    }
  }

  /**
   * The fencing token of the current term (the leader key's create revision), or
   * undefined when this replica does not lead. Checked against the deadline on every
   * call, so it is gone the moment leadership is, timer or not.
   */
  fencingToken(): string | undefined {
    return this.#leading()?.token;
  }

  /** Leadership as /readyz and metrics show it. */
  leaderInfo(): LeaderInfo {
    const term = this.#leading();
    if (term) return { leader: true, holder: this.holder, since: term.since };
    const seen = this.#seen;
    return seen
      ? { leader: false, holder: seen.holder, since: new Date(seen.acquiredAt) }
      : { leader: false };
  }

  /**
   * One attempt: create the key with a new lease. Undefined when elected, else the
   * revision after which to watch for the key's deletion.
   */
  async #campaign(signal?: AbortSignal): Promise<string | undefined> {
    // The grant counts from before it is sent.
    const renewals = new LeaseRenewals(this.#now, this.ttlSeconds * 1000);
    const lease = this.#client.lease(this.ttlSeconds, { deadline: Date.now() + this.#requestMs });
    renewals.follow(lease);
    lease.on('lost', (err) => {
      if (this.#term?.lease === lease) this.#lose(this.#term, 'the leader lease was lost', err);
    });
    let won = false;
    try {
      const leaseId = await lease.grant();
      const since = new Date();
      const record: LeaderRecord = { ...this.#record, acquiredAt: since.toISOString() };
      const txn = await this.#client
        .if(this.key, 'Create', '==', 0)
        .then(this.#client.put(this.key).value(JSON.stringify(record)).lease(leaseId))
        .else(this.#client.get(this.key))
        .options({ deadline: Date.now() + this.#requestMs })
        .commit();
      if (!txn.succeeded) {
        this.#seen = parseRecord(txn.responses[0]?.response_range.kvs[0]);
        return txn.header.revision;
      }
      if (signal?.aborted) return undefined; // raceAbort has rejected; the lease goes below
      if (renewals.deadline(this.safetyMarginMs) <= this.#now()) {
        throw new Error('the leader lease was granted too slowly to be safe to use');
      }
      won = true;
      this.#startTerm({ lease, leaseId, token: txn.header.revision, since, renewals });
      return undefined;
    } finally {
      if (!won) await lease.revoke({ deadline: Date.now() + this.#requestMs }).catch(() => {});
    }
  }

  #startTerm(t: Omit<Term, 'timer' | 'watcher'>): void {
    const term: Term = { ...t, timer: undefined, watcher: undefined };
    this.#term = term;
    this.#lostUnreported = false;
    this.#seen = undefined;
    this.#armDeadline(term);
    // The key deleted or replaced (by hand, say) ends the term too.
    const watcher = this.#client
      .watch()
      .key(this.key)
      .startRevision(nextRevision(term.token))
      .watcher();
    term.watcher = watcher;
    watcher.on('delete', () => this.#lose(term, 'the leader key was deleted'));
    watcher.on('put', (kv) => {
      if (kv.create_revision !== term.token || kv.lease !== term.leaseId) {
        this.#lose(term, 'the leader key was replaced');
      }
    });
    watcher.on('error', (err) => this.#log.warn({ err, key: this.key }, 'leader key watch failed'));
    this.#log.info(
      { key: this.key, holder: this.holder, token: term.token },
      'leadership acquired',
    );
  }

  /** Fire at the deadline; renewals since then move it, so look again. */
  #armDeadline(term: Term): void {
    const wait = Math.max(0, term.renewals.deadline(this.safetyMarginMs) - this.#now());
    term.timer = setTimeout(() => {
      if (this.#leading() === term) this.#armDeadline(term);
    }, wait);
    term.timer.unref();
  }

  /** The current term if its deadline has not passed; a passed deadline ends it here. */
  #leading(): Term | undefined {
    const term = this.#term;
    if (term && term.renewals.deadline(this.safetyMarginMs) <= this.#now()) {
      const silentMs = Math.round(this.#now() - term.renewals.lastRenewedAt);
      this.#lose(term, `no lease keepalive confirmed for ${silentMs} ms`);
      return undefined;
    }
    return term;
  }

  #lose(term: Term, reason: string, err?: unknown): void {
    if (this.#term !== term) return;
    this.#endTerm(term);
    // Best effort: if etcd still hears us, a successor need not wait for the TTL.
    term.lease.revoke({ deadline: Date.now() + this.#requestMs }).catch(() => {});
    this.#log.error(
      { key: this.key, token: term.token, reason, ...(err ? { err } : {}) },
      'leadership lost',
    );
    const callbacks = this.#lostCallbacks.splice(0);
    if (callbacks.length === 0) this.#lostUnreported = true;
    for (const callback of callbacks) callback();
  }

  #endTerm(term: Term): void {
    this.#term = undefined;
    clearTimeout(term.timer);
    term.watcher?.cancel().catch(() => {});
  }

  /** Until the leader key is deleted after `revision`, or a while passed, or abort. */
  async #waitForVacancy(revision: string, signal?: AbortSignal): Promise<void> {
    const watcher = this.#client
      .watch()
      .key(this.key)
      .startRevision(nextRevision(revision))
      .watcher();
    try {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        // A fallback: watches reconnect by themselves, but a lost one must not stall us.
        const timer = setTimeout(done, this.ttlSeconds * 1000);
        signal?.addEventListener('abort', done, { once: true });
        watcher.on('delete', () => {
          this.#seen = undefined;
          done();
        });
        watcher.on('put', (kv) => (this.#seen = parseRecord(kv) ?? this.#seen));
        watcher.on('error', done); // e.g. the revision was compacted: campaign again
      });
    } finally {
      watcher.cancel().catch(() => {});
    }
  }
}

function parseRecord(kv: IKeyValue | undefined): LeaderRecord | undefined {
  if (!kv) return undefined;
  try {
    const value = JSON.parse(kv.value.toString()) as Partial<LeaderRecord> | null;
    if (typeof value?.holder === 'string' && typeof value.acquiredAt === 'string') {
      return value as LeaderRecord;
    }
  } catch {
    // not ours to read
  }
  return undefined;
}

function nextRevision(revision: string): string {
  return (BigInt(revision) + 1n).toString();
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts. */
function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
