// Leader election for the embedded store: one process per data directory runs the
// controllers, by holding `${dataDir}/controller.lock`.
//
// How it works, with plain files (no native addon, so no flock):
// - Acquire creates the file with open(…, 'wx') (O_CREAT|O_EXCL: exactly one creator
//   wins) and writes who holds it: pid, host, kernel boot id, process start time and a
//   random token.
// - A process that finds the file reads the holder and checks it still runs (pid alive,
//   same boot, same start time, not a zombie: process-identity.ts). A holder killed with
//   SIGKILL leaves the file behind, so a dead holder's lock is taken over: the file is
//   renamed aside (atomic), checked to be the very lock judged dead, removed, and the
//   'wx' create is tried again. Two contenders may both take over; only one create wins.
// - If the rename moved a lock a faster contender had just created, it is linked back.
// - While holding, the lock re-reads the file every few seconds; if its token is no
//   longer there (removed by hand, or taken over by mistake), leadership is lost and
//   onLost callbacks run, so two processes never keep running controllers together.
// - A file with no readable holder (a process died between create and write) is stale
//   once older than a grace period.
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
      if (await this.#tryCreate()) return;
      const holder = await this.#readHolder();
      if (holder.state === 'missing') continue;
      if (holder.state === 'unreadable') {
        if (await this.#olderThan(this.#unreadableGraceMs)) {
          this.#log.warn({ path: this.path }, 'taking over a lock file with no readable holder');
          await this.#takeOver(holder.raw);
          continue;
        }
      } else if (!(await this.#isAlive(holder.record))) {
        this.#log.warn(
          { path: this.path, pid: holder.record.pid },
          'taking over the lock of a process that is gone',
        );
        await this.#takeOver(holder.raw);
        continue;
      } else if (waitingOn !== holder.record.pid) {
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
    const holder = await this.#readHolder();
    if (holder.state === 'held' && holder.record.token === token)
      await rm(this.path, { force: true });
  }

  async #tryCreate(): Promise<boolean> {
    const token = randomUUID();
    const record: LockRecord = {
      ...(await currentProcessIdentity()),
      token,
      acquiredAt: new Date(this.#timers.now()).toISOString(),
    };
    let file;
    try {
      file = await open(this.path, 'wx', 0o600);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await file.writeFile(`${JSON.stringify(record)}\n`);
      await file.sync();
    } catch (err: unknown) {
      await file.close();
      await rm(this.path, { force: true });
      throw err;
    }
    await file.close();
    this.#token = token;
    this.#scheduleCheck();
    return true;
  }

  async #readHolder(): Promise<Holder> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      throw err;
    }
    const record = parseRecord(raw);
    return record ? { state: 'held', raw, record } : { state: 'unreadable', raw };
  }

  async #olderThan(ms: number): Promise<boolean> {
    try {
      // File times are real time, whatever clock the lock was given.
      return Date.now() - (await stat(this.path)).mtimeMs > ms;
    } catch {
      return false; // gone: the next round creates it
    }
  }

  /** Remove the lock whose content was `staleRaw`, and nothing else. */
  async #takeOver(staleRaw: string): Promise<void> {
    const aside = `${this.path}.stale-${randomUUID()}`;
    try {
      await rename(this.path, aside);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      if ((await readFile(aside, 'utf8')) !== staleRaw) {
        // A faster contender replaced the stale lock: put its lock back.
        await link(aside, this.path).catch((err: unknown) => {
          // Yet another process created one meanwhile; the displaced holder sees its
          // token gone at its next check and steps down.
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
      holder = await this.#readHolder();
    } catch (err: unknown) {
      this.#log.warn(
        { err, path: this.path },
        'could not read the controller lock; checking again later',
      );
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
    // fall through: not (yet) a complete record
  }
  return undefined;
}
