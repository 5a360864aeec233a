// Leader election for the embedded store: one process per data directory runs the
// controllers, by holding `${dataDir}/controller.lock`.
//
// How it works, with plain files (no native addon, so no flock):
// - Acquire creates the file with open(…, 'wx') (O_CREAT|O_EXCL: exactly one creator
//   wins) and writes who holds it: pid, host, kernel boot id, process start time and a
//   random token.
// - A process that finds the file reads the holder and checks it still runs (pid alive,
//   same boot, same start time, not a zombie: process-identity.ts). A file with no
//   readable holder (its creator died between create and write) is stale once older
//   than a grace period.
// - A stale lock (its holder was killed, e.g. with SIGKILL) is taken over. Removing it
//   is the delicate step: a contender that judged it stale a moment ago must not remove
//   the fresh lock a faster contender has created since. So removal happens only while
//   holding a second 'wx' file, `controller.lock.takeover`, and only if the lock still
//   holds the very content judged stale (the token makes it unique). The remover then
//   competes for the 'wx' create like everyone else.
// - While holding, the lock re-reads the file every few seconds; if its token is no
//   longer there (removed by hand, say), leadership is lost and onLost callbacks run.
// Locks of another host are never taken over: shared storage needs an etcd lease.
import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeaderElector } from './leader.ts';
import { silentLogger, type RuntimeLogger } from './logger.ts';
import {
  currentProcessIdentity,
  isProcessAlive,
  type ProcessIdentity,
} from './process-identity.ts';
import { delay, systemTimers, type TimerHandle, type Timers } from './timers.ts';

export const controllerLockFileName = 'controller.lock';

export interface DataDirLockOptions {
  dataDir: string;
  logger?: RuntimeLogger;
  timers?: Timers;
  /** How often a waiting process looks at the lock again (ms). Default 2 s. */
  pollIntervalMs?: number;
  /** How often the holder checks the file is still its own (ms). Default 5 s. */
  checkIntervalMs?: number;
  /** Age after which a lock file with no readable holder is stale (ms). Default 10 s. */
  unreadableGraceMs?: number;
  /** Liveness check, replaceable in tests. */
  isAlive?: (holder: ProcessIdentity) => Promise<boolean>;
}

interface LockRecord extends ProcessIdentity {
  token: string;
  acquiredAt: string;
}

type Holder =
  | { state: 'missing' }
  | { state: 'unreadable'; raw: string }
  | { state: 'held'; raw: string; record: LockRecord };

export class DataDirLock implements LeaderElector {
  readonly path: string;
  readonly #takeoverPath: string;
  readonly #log: RuntimeLogger;
  readonly #timers: Timers;
  readonly #pollIntervalMs: number;
  readonly #checkIntervalMs: number;
  readonly #unreadableGraceMs: number;
  readonly #isAlive: (holder: ProcessIdentity) => Promise<boolean>;
  readonly #lostCallbacks: (() => void)[] = [];
  #token: string | undefined;
  #check: TimerHandle;

  constructor(opts: DataDirLockOptions) {
    this.path = join(opts.dataDir, controllerLockFileName);
    this.#takeoverPath = `${this.path}.takeover`;
    this.#log = opts.logger ?? silentLogger;
    this.#timers = opts.timers ?? systemTimers;
    this.#pollIntervalMs = opts.pollIntervalMs ?? 2000;
    this.#checkIntervalMs = opts.checkIntervalMs ?? 5000;
    this.#unreadableGraceMs = opts.unreadableGraceMs ?? 10_000;
    this.#isAlive = opts.isAlive ?? isProcessAlive;
  }

  /** Whether this lock is held by this object now. */
  get held(): boolean {
    return this.#token !== undefined;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.#token) return;
    let waitingOn: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const token = await this.#createExclusive(this.path);
      if (token) {
        this.#token = token;
        this.#scheduleCheck();
        return;
      }
      const holder = await this.#read(this.path);
      if (holder.state === 'missing') continue;
      if (await this.#isStale(holder, this.path)) {
        this.#log.warn(
          { path: this.path, ...(holder.state === 'held' ? { pid: holder.record.pid } : {}) },
          'taking over the controller lock of a process that is gone',
        );
        if (await this.#takeOver(holder.raw)) continue;
      } else if (holder.state === 'held' && waitingOn !== holder.record.pid) {
        waitingOn = holder.record.pid;
        this.#log.info(
          { path: this.path, pid: waitingOn },
          'controllers run in another process; waiting for its lock',
        );
      }
      await delay(this.#timers, this.#pollIntervalMs, signal);
    }
  }

  onLost(callback: () => void): void {
    this.#lostCallbacks.push(callback);
  }

  async release(): Promise<void> {
    const token = this.#token;
    if (!token) return;
    this.#stopChecking();
    this.#token = undefined;
    const holder = await this.#read(this.path);
    if (holder.state === 'held' && holder.record.token === token) {
      await rm(this.path, { force: true });
    }
  }

  /** Create `path` with a record of this process; its token, or undefined if it exists. */
  async #createExclusive(path: string): Promise<string | undefined> {
    const token = randomUUID();
    const acquiredAt = new Date(this.#timers.now()).toISOString();
    const record: LockRecord = { ...(await currentProcessIdentity()), token, acquiredAt };
    let file;
    try {
      file = await open(path, 'wx', 0o600);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    try {
      await file.writeFile(`${JSON.stringify(record)}\n`);
      await file.sync();
    } catch (err: unknown) {
      await file.close();
      await rm(path, { force: true });
      throw err;
    }
    await file.close();
    return token;
  }

  async #read(path: string): Promise<Holder> {
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      throw err;
    }
    const record = parseRecord(raw);
    return record ? { state: 'held', raw, record } : { state: 'unreadable', raw };
  }

  async #isStale(holder: Holder, path: string): Promise<boolean> {
    if (holder.state === 'held') return !(await this.#isAlive(holder.record));
    if (holder.state === 'missing') return false;
    try {
      // File times are real time, whatever clock the lock was given.
      return Date.now() - (await stat(path)).mtimeMs > this.#unreadableGraceMs;
    } catch {
      return false; // gone: the next round creates it
    }
  }

  /**
   * Remove the lock if it still holds `staleRaw`, under the takeover file. False when
   * another process is taking over right now (wait and look again).
   */
  async #takeOver(staleRaw: string): Promise<boolean> {
    if (!(await this.#createExclusive(this.#takeoverPath))) {
      // Someone is taking over; unless it died doing so (then clear its file).
      const other = await this.#read(this.#takeoverPath);
      if (other.state === 'missing') return true;
      if (!(await this.#isStale(other, this.#takeoverPath))) return false;
      await this.#removeIfUnchanged(this.#takeoverPath, other.raw);
      return true;
    }
    try {
      await this.#removeIfUnchanged(this.path, staleRaw);
    } finally {
      await rm(this.#takeoverPath, { force: true });
    }
    return true;
  }

  /**
   * Remove `path` if it still holds `raw`. The file is renamed aside (atomic) and
   * compared: a file that changed meanwhile is linked back, as it was.
   */
  async #removeIfUnchanged(path: string, raw: string): Promise<void> {
    const aside = `${path}.stale-${randomUUID()}`;
    try {
      await rename(path, aside);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      if ((await readFile(aside, 'utf8')) !== raw) {
        await link(aside, path).catch((err: unknown) => {
          // Yet another file was created meanwhile; its owner wins.
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        });
      }
    } finally {
      await rm(aside, { force: true });
    }
  }

  #scheduleCheck(): void {
    this.#check = this.#timers.setTimeout(() => void this.#verify(), this.#checkIntervalMs);
  }

  #stopChecking(): void {
    if (this.#check !== undefined) this.#timers.clearTimeout(this.#check);
    this.#check = undefined;
  }

  /** Still ours? If not, leadership is lost. */
  async #verify(): Promise<void> {
    const token = this.#token;
    if (!token) return;
    let holder: Holder;
    try {
      holder = await this.#read(this.path);
    } catch (err: unknown) {
      this.#log.warn({ err, path: this.path }, 'could not read the controller lock; will retry');
      if (this.#token === token) this.#scheduleCheck();
      return;
    }
    if (this.#token !== token) return; // released meanwhile
    if (holder.state === 'held' && holder.record.token === token) {
      this.#scheduleCheck();
      return;
    }
    this.#token = undefined;
    this.#check = undefined;
    this.#log.error({ path: this.path }, 'the controller lock is no longer ours; leadership lost');
    for (const callback of this.#lostCallbacks.splice(0)) callback();
  }
}

function parseRecord(raw: string): LockRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockRecord> | null;
    if (
      typeof value?.pid === 'number' &&
      typeof value.token === 'string' &&
      typeof value.hostname === 'string'
    ) {
      return value as LockRecord;
    }
  } catch {
    // not (yet) a complete record
  }
  return undefined;
}
