// Worker tasks as PVE's fork_worker runs them: the API answers with a UPID at once, the
// work runs on, and its status and log can be read while it runs and after. A task
// ends `OK`, `WARNINGS: <n>` (still a success) or with the text its worker died with;
// the log's last line is "TASK OK" / "TASK WARNINGS: n" / "TASK ERROR: <text>".
import { randomInt } from 'node:crypto';
import { messageOf } from './errors.ts';
import { formatUpid, type Upid } from './upid.ts';

export interface TaskLog {
  /** A line of the task log. */
  log(line: string): void;
  /** Text added to the last line (lock_file prints "trying to acquire lock..." then " OK"). */
  amend(text: string): void;
  /** A warning line ("WARN: ..."); the task then ends "WARNINGS: n". */
  warn(line: string): void;
  /** Aborted when the task is stopped (DELETE …/tasks/{upid}): the worker gets SIGTERM. */
  signal: AbortSignal;
}

export interface TaskRecord extends Upid {
  upid: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  /** Unix seconds. */
  endtime?: number;
  lines: string[];
  warnings: number;
  abort: AbortController;
  /** Settles when the task has stopped (for tests and for workers waiting on workers). */
  done: Promise<void>;
}

export interface StartTask {
  node: string;
  type: string;
  id: string;
  user: string;
}

/** Tasks kept for status and log queries; the oldest stopped ones are forgotten first. */
const maxTasks = 20_000;

export class TaskManager {
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #bootTicks = randomInt(1_000_000, 9_000_000);
  readonly #started = Date.now();

  /**
   * Start a worker and return its UPID at once. The worker runs on the next turn of the
   * event loop, as a forked worker would; what it throws becomes the exit status.
   */
  start(spec: StartTask, work: (task: TaskLog) => Promise<void>): string {
    const now = Date.now();
    const fields: Upid = {
      ...spec,
      pid: randomInt(1000, 4_000_000),
      // Clock ticks (100 Hz) since the node booted: grows with time, as on a real node.
      pstart: this.#bootTicks + Math.floor((now - this.#started) / 10),
      starttime: Math.floor(now / 1000),
    };
    const upid = formatUpid(fields);
    let finish = () => {};
    const record: TaskRecord = {
      ...fields,
      upid,
      status: 'running',
      lines: [],
      warnings: 0,
      abort: new AbortController(),
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    this.#tasks.set(upid, record);
    this.#forgetOld();
    const log: TaskLog = {
      log: (line) => record.lines.push(...line.split('\n')),
      amend: (text) => {
        const last = record.lines.length - 1;
        if (last >= 0) record.lines[last] = `${record.lines[last] ?? ''}${text}`;
        else record.lines.push(text);
      },
      warn: (line) => {
        record.warnings += 1;
        record.lines.push(`WARN: ${line}`);
      },
      signal: record.abort.signal,
    };
    setImmediate(() => {
      work(log).then(
        () => {
          const ok = record.warnings > 0 ? `WARNINGS: ${record.warnings}` : 'OK';
          this.#stop(record, ok, `TASK ${ok}`);
          finish();
        },
        (err: unknown) => {
          const text = messageOf(err).trim();
          this.#stop(record, text, `TASK ERROR: ${text}`);
          finish();
        },
      );
    });
    return upid;
  }

  get(upid: string): TaskRecord | undefined {
    return this.#tasks.get(upid);
  }

  list(): TaskRecord[] {
    return [...this.#tasks.values()];
  }

  /** Stop every running task, as a node shutting down would. */
  abortAll(): void {
    for (const task of this.#tasks.values()) if (task.status === 'running') task.abort.abort();
  }

  /** Wait for every running task to stop (emulator shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.#tasks.values()].map((t) => t.done));
  }

  #stop(record: TaskRecord, exitstatus: string, lastLine: string): void {
    record.lines.push(lastLine);
    record.status = 'stopped';
    record.exitstatus = exitstatus;
    record.endtime = Math.floor(Date.now() / 1000);
  }

  #forgetOld(): void {
    if (this.#tasks.size <= maxTasks) return;
    for (const [upid, task] of this.#tasks) {
      if (this.#tasks.size <= maxTasks) break;
      if (task.status === 'stopped') this.#tasks.delete(upid);
    }
  }
}

/**
 * A pause (the time a clone or start takes). With a signal it ends early with PVE's
 * "interrupted by signal" when the task is stopped.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Error('interrupted by signal'));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('interrupted by signal'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
