// Who holds a lock file, and whether that process still runs. A pid alone is not enough:
// pids are reused (a server in a container is pid 1 on every start), and a killed process
// can linger as a zombie. On Linux the kernel boot id and the process start time from
// /proc make the check exact; elsewhere it falls back to `kill(pid, 0)`.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /** /proc/sys/kernel/random/boot_id: differs after a reboot. */
  bootId?: string;
  /** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. */
  startTime?: string;
}

export async function currentProcessIdentity(): Promise<ProcessIdentity> {
  const bootId = await readBootId();
  const startTime = (await readProcStat(process.pid))?.startTime;
  return {
    pid: process.pid,
    hostname: hostname(),
    ...(bootId ? { bootId } : {}),
    ...(startTime ? { startTime } : {}),
  };
}

/**
 * Whether the process `id` describes still runs. A process on another host cannot be
 * checked and counts as alive: its lock is never taken over (data dirs on shared
 * storage need a real lease).
 */
export async function isProcessAlive(id: ProcessIdentity): Promise<boolean> {
  if (id.hostname !== hostname()) return true;
  const bootId = await readBootId();
  if (id.bootId && bootId && id.bootId !== bootId) return false;
  try {
    process.kill(id.pid, 0);
  } catch (err: unknown) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = await readProcStat(id.pid);
  // No entry: it exited since kill(0), unless there is no /proc (then kill(0) is all we know).
  if (!stat) return (await readProcStat(process.pid)) === undefined;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return !id.startTime || stat.startTime === id.startTime;
}

async function readBootId(): Promise<string | undefined> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function readProcStat(
  pid: number,
): Promise<{ state: string; startTime: string } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses; fields resume
  // after the last ')'. state is field 3, starttime field 22.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  return state && startTime ? { state, startTime } : undefined;
}
