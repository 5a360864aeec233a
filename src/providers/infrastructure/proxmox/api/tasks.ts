// Waiting for Proxmox tasks. Async endpoints (clone, start, POST config, upload) answer
// with a UPID at once and report the outcome only in the task: poll
// /nodes/{node}/tasks/{upid}/status (node from the UPID) until `status` is `stopped`,
// then read `exitstatus`. `OK` and `WARNINGS: n` are success; anything else is the
// error sentence, which is classified like an HTTP error, and the last lines of the
// task log go into the error so the reason is readable without a Proxmox login.
import { ProxmoxApiError, ProxmoxTaskError } from './errors.ts';
import type { ProxmoxParams } from './form.ts';
import { apiPath } from './path.ts';
import type { Sleep } from './retry.ts';
import type { HttpMethod, ProxmoxEnvelope } from './transport.ts';
import { parseUpid } from './upid.ts';

/** GET /nodes/{node}/tasks/{upid}/status (the part used). */
export interface ProxmoxTaskStatus {
  status: 'running' | 'stopped';
  exitstatus?: string;
  upid?: string;
  type?: string;
  id?: string;
  user?: string;
  node?: string;
}

/** A task that stopped successfully. */
export interface ProxmoxTaskResult {
  upid: string;
  node: string;
  type: string;
  id: string;
  /** `OK` or `WARNINGS: n`. */
  exitStatus: string;
  /** n of `WARNINGS: n`, else 0. */
  warnings: number;
}

export interface WaitForTaskOptions {
  signal?: AbortSignal;
  /** Pause between status polls, default 1000 ms. */
  pollMs?: number;
  /** Give up after this long with a `timeout` ProxmoxApiError; default no limit. */
  timeoutMs?: number;
  /** How many lines of the log a failure carries, default 10. */
  logLines?: number;
}

/** The client calls tasks need. */
export interface TaskApi {
  request<T>(
    method: HttpMethod,
    path: string,
    params?: ProxmoxParams,
    options?: { signal?: AbortSignal },
  ): Promise<ProxmoxEnvelope<T>>;
}

/** One line of GET …/tasks/{upid}/log. */
interface TaskLogLine {
  n?: number;
  t?: string;
}

/** Lines fetched in the first log request; a longer log is read again from its end. */
const firstLogPage = 50;

/**
 * Polls a task until it stops; see ProxmoxClient.waitForTask.
 *
 * @example
 * const result = await waitForTask(client, upid, { timeoutMs: 600_000 }, { now: Date.now, sleep });
 */
export async function waitForTask(
  api: TaskApi,
  upid: string,
  options: WaitForTaskOptions,
  clock: { now: () => number; sleep: Sleep },
): Promise<ProxmoxTaskResult> {
  const task = parseUpid(upid);
  const pollMs = options.pollMs ?? 1000;
  const signal = options.signal;
  const deadline = options.timeoutMs === undefined ? Infinity : clock.now() + options.timeoutMs;
  const statusPath = apiPath`/nodes/${task.node}/tasks/${upid}/status`;
  for (;;) {
    const { data: status } = await api.request<ProxmoxTaskStatus>('GET', statusPath, undefined, {
      ...(signal ? { signal } : {}),
    });
    if (status?.status === 'stopped') {
      const exitStatus = status.exitstatus ?? 'unknown (no exit status)';
      const warnings = /^WARNINGS: (\d+)$/.exec(exitStatus);
      if (exitStatus === 'OK' || warnings) {
        return {
          upid,
          node: task.node,
          type: task.type,
          id: task.id,
          exitStatus,
          warnings: warnings ? Number(warnings[1]) : 0,
        };
      }
      const logTail = await readLogTail(api, task.node, upid, options.logLines ?? 10, signal);
      throw new ProxmoxTaskError({ upid, node: task.node, type: task.type, exitStatus, logTail });
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new ProxmoxApiError({
        kind: 'timeout',
        method: 'GET',
        path: statusPath,
        detail: `task ${task.type} on ${task.node} still running after ${options.timeoutMs} ms (${upid})`,
      });
    }
    await clock.sleep(Math.min(pollMs, left), signal);
  }
}

/**
 * The last `lines` lines of a task log. A short log comes in one request; a long one
 * (a full clone logs its progress) is read again from `total - lines`.
 */
export async function readLogTail(
  api: TaskApi,
  node: string,
  upid: string,
  lines: number,
  signal?: AbortSignal,
): Promise<string[]> {
  const path = apiPath`/nodes/${node}/tasks/${upid}/log`;
  const options = signal ? { signal } : {};
  try {
    const first = await api.request<TaskLogLine[]>(
      'GET',
      path,
      { start: 0, limit: firstLogPage },
      options,
    );
    let page = first.data ?? [];
    if (first.total !== undefined && first.total > firstLogPage) {
      const start = Math.max(0, first.total - lines);
      page =
        (await api.request<TaskLogLine[]>('GET', path, { start, limit: lines }, options)).data ??
        [];
    }
    return page.slice(-lines).map((line) => line.t ?? '');
  } catch (err: unknown) {
    if (!(err instanceof ProxmoxApiError)) throw err;
    // The task failed either way; say why the log is missing instead of hiding the failure.
    return [`(task log unavailable: ${err.message})`];
  }
}
