// What this process remembers about machines between reconciles: the VM it is creating
// (so a cached VM list that does not show it yet cannot lead to a second clone) and the
// Proxmox tasks it started (clone, upload, config, start, …) with their outcome, polled in
// the background so a reconcile never waits for one. It is a cache of Proxmox's state,
// never the truth: after a restart it is empty and everything is learnt again from
// Proxmox (names, descriptions with the machine uid, locks, power state).
import type { ProxmoxApi } from './clients.ts';

export type TaskKind =
  | 'clone'
  | 'upload'
  | 'configure'
  | 'resize'
  | 'start'
  | 'repair'
  | 'stop'
  | 'destroy'
  | 'isoDelete';

export interface TrackedTask {
  upid: string;
  state: 'running' | 'done' | 'failed';
  error?: unknown;
  startedAt: number;
}

export interface MachineRecord {
  uid: string;
  vmid: number;
  node: string;
  /** `namespace/cluster`, for spreading; role and memory for placement. */
  cluster: string;
  role: 'control-plane' | 'worker';
  memoryMiB: number;
  /** Source template, for messages. */
  templateVmid: number;
  tasks: Partial<Record<TaskKind, TrackedTask>>;
  /** The VMID the boot-data ISO was uploaded for by this process. */
  uploadedFor?: number;
  /** Last time a cloud-init status check ran (agent exec), and its pid. */
  cloudInit?: { pid?: number; at: number; status?: string };
}

export interface TaskTrackerOptions {
  pollMs: number;
  /** Longest a tracked task is polled (a stuck task is then treated as failed). */
  timeoutMs: number;
  now: () => number;
}

/** Records by machine uid, and background polling of their tasks. */
/** Anything that keeps tasks: a machine's record, or the clean-up of a deleted one. */
export interface TaskHolder {
  tasks: Partial<Record<TaskKind, TrackedTask>>;
}

export class MachineRecords {
  readonly #records = new Map<string, MachineRecord>();
  /** Tasks of machines whose VM is gone (the ISO's removal), by machine uid. */
  readonly cleanups = new Map<string, TaskHolder>();
  readonly #abort = new AbortController();
  readonly #options: TaskTrackerOptions;
  readonly #polling = new Set<Promise<void>>();

  constructor(options: TaskTrackerOptions) {
    this.#options = options;
  }

  get(uid: string): MachineRecord | undefined {
    return this.#records.get(uid);
  }

  set(record: MachineRecord): void {
    this.#records.set(record.uid, record);
  }

  delete(uid: string): void {
    this.#records.delete(uid);
  }

  all(): MachineRecord[] {
    return [...this.#records.values()];
  }

  now(): number {
    return this.#options.now();
  }

  /**
   * Remember a started task and poll it in the background; `onSettled` runs once it
   * stops (to free a clone slot), whatever the outcome.
   */
  track(
    api: ProxmoxApi,
    record: TaskHolder,
    kind: TaskKind,
    upid: string,
    onSettled?: () => void,
  ): TrackedTask {
    const task: TrackedTask = { upid, state: 'running', startedAt: this.#options.now() };
    record.tasks[kind] = task;
    const polling = api
      .waitForTask(upid, {
        pollMs: this.#options.pollMs,
        timeoutMs: this.#options.timeoutMs,
        signal: this.#abort.signal,
      })
      .then(
        () => {
          task.state = 'done';
        },
        (err: unknown) => {
          task.state = 'failed';
          task.error = err;
        },
      )
      .finally(() => {
        onSettled?.();
        this.#polling.delete(polling);
      });
    this.#polling.add(polling);
    return task;
  }

  /** Stop polling (the tasks go on in Proxmox). */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#polling]);
    this.#records.clear();
    this.cleanups.clear();
  }
}

/** A task of the record that is still running, if any, of these kinds. */
export function runningTask(
  record: TaskHolder | undefined,
  ...kinds: TaskKind[]
): { kind: TaskKind; task: TrackedTask } | undefined {
  for (const kind of kinds) {
    const task = record?.tasks[kind];
    if (task?.state === 'running') return { kind, task };
  }
  return undefined;
}

/** Takes a failed task's error off the record (reported once, then retried). */
export function takeFailure(record: TaskHolder | undefined, kind: TaskKind): unknown {
  const task = record?.tasks[kind];
  if (task?.state !== 'failed') return undefined;
  delete record!.tasks[kind];
  return task.error ?? new Error(`${kind} task failed`);
}
