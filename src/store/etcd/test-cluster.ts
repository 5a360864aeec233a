// Test support: a real etcd cluster of several members on 127.0.0.1, for the etcd store
// tests and (later) the chaos tests. Each member gets free ports and its own temporary
// data directory; the processes die with the test process (exit and signal handlers,
// plus the kernel's parent-death signal through setpriv where it exists).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface EtcdTestClusterOptions {
  /** Members to start; 3 unless told. */
  size?: number;
  /** The etcd binary; `etcd` from PATH (Debian's etcd-server) unless told. */
  binary?: string;
  /** Where the data directories go; the system temp directory unless told. */
  baseDir?: string;
  /** How long to wait for a healthy cluster (ms). */
  startTimeoutMs?: number;
  /** How long a member may take to stop after SIGTERM before SIGKILL (ms). */
  stopGraceMs?: number;
  /** More etcd flags for every member, e.g. `--experimental-watch-progress-notify-interval=1s`. */
  extraArgs?: readonly string[];
}

interface Member {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: ChildProcess | undefined;
  exited: Promise<void>;
  /** The last lines etcd wrote, for error messages. */
  log: string[];
}

/** A member exited during start, e.g. because its port was taken meanwhile. */
class MemberExited extends Error {}

const running = new Set<ChildProcess>();
/** Data directories of clusters not stopped yet. */
const dataDirs = new Set<string>();
let handlersInstalled = false;

/**
 * Kill every member still running when the test process ends and remove the data
 * directories: on exit and on SIGINT/SIGTERM/SIGHUP. After a SIGKILL nothing of ours
 * runs; the parent-death signal still ends etcd, and only temporary files remain.
 */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanUp = () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of dataDirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // Best effort while the process ends: a temporary directory may stay behind.
      }
    }
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

/** A port nobody listens on right now (the kernel picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

/**
 * A running etcd cluster on loopback. Start with `EtcdTestCluster.start()`, hand
 * `endpoints` to the code under test, and `stop()` it in an `after` hook.
 */
export class EtcdTestCluster {
  readonly #members: Member[];
  readonly #opts: Required<Omit<EtcdTestClusterOptions, 'baseDir' | 'size'>>;
  readonly #token: string;

  private constructor(members: Member[], opts: EtcdTestClusterOptions, token: string) {
    this.#members = members;
    this.#token = token;
    this.#opts = {
      binary: opts.binary ?? 'etcd',
      extraArgs: opts.extraArgs ?? [],
      startTimeoutMs: opts.startTimeoutMs ?? 60_000,
      stopGraceMs: opts.stopGraceMs ?? 10_000,
    };
  }

  /**
   * Start a new cluster and wait until every member reports healthy. A port taken
   * between choosing and binding it makes a member exit; then it tries again.
   */
  static async start(opts: EtcdTestClusterOptions = {}): Promise<EtcdTestCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdTestCluster.#startOnce(opts);
      } catch (err: unknown) {
        if (attempt >= 3 || !(err instanceof MemberExited)) throw err;
      }
    }
  }

  static async #startOnce(opts: EtcdTestClusterOptions): Promise<EtcdTestCluster> {
    installExitHandlers();
    const size = opts.size ?? 3;
    const token = `slipway-test-${randomBytes(6).toString('hex')}`;
    const members: Member[] = [];
    for (let i = 0; i < size; i++) {
      const [client, peer] = [await freePort(), await freePort()];
      const dataDir = await mkdtemp(join(opts.baseDir ?? tmpdir(), `slipway-etcd-m${i}-`));
      dataDirs.add(dataDir);
      members.push({
        name: `m${i}`,
        clientUrl: `http://127.0.0.1:${client}`,
        peerUrl: `http://127.0.0.1:${peer}`,
        dataDir,
        process: undefined,
        exited: Promise.resolve(),
        log: [],
      });
    }
    const cluster = new EtcdTestCluster(members, opts, token);
    try {
      for (let i = 0; i < size; i++) cluster.#spawn(i);
      await cluster.waitHealthy(cluster.#opts.startTimeoutMs, true);
    } catch (err: unknown) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Client URLs of every member, running or not. */
  get endpoints(): string[] {
    return this.#members.map((m) => m.clientUrl);
  }

  /** Process ids of the running members (for tests of this harness). */
  get pids(): number[] {
    return this.#members.flatMap((m) => (m.process?.pid === undefined ? [] : [m.process.pid]));
  }

  /** Data directories of every member. */
  get dataDirs(): string[] {
    return this.#members.map((m) => m.dataDir);
  }

  get size(): number {
    return this.#members.length;
  }

  #member(index: number): Member {
    const member = this.#members[index];
    if (!member) throw new Error(`no etcd member ${index} (cluster of ${this.size})`);
    return member;
  }

  #spawn(index: number): void {
    const m = this.#member(index);
    const initialCluster = this.#members.map((x) => `${x.name}=${x.peerUrl}`).join(',');
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${m.clientUrl}`,
      `--advertise-client-urls=${m.clientUrl}`,
      `--listen-peer-urls=${m.peerUrl}`,
      `--initial-advertise-peer-urls=${m.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      // Ignored once the data directory holds a member, so restarts rejoin as themselves.
      '--initial-cluster-state=new',
      `--initial-cluster-token=${this.#token}`,
      '--log-level=warn',
      ...this.#opts.extraArgs,
    ];
    // setpriv makes the kernel kill etcd if this process dies without running handlers.
    const [command, argv] = existsSync('/usr/bin/setpriv')
      ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', this.#opts.binary, ...args]]
      : [this.#opts.binary, args];
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    m.process = child;
    m.log = [];
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      m.log.push(...chunk.split('\n').filter(Boolean));
      if (m.log.length > 20) m.log.splice(0, m.log.length - 20);
    });
    m.exited = new Promise((resolve) => {
      child.once('exit', () => {
        running.delete(child);
        if (m.process === child) m.process = undefined;
        resolve();
      });
      child.once('error', () => resolve());
    });
  }

  /**
   * Wait until every running member answers /health with true. With `all`, a member
   * that is not running (it exited) fails the wait at once.
   */
  async waitHealthy(timeoutMs = this.#opts.startTimeoutMs, all = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const live = this.#members.filter((m) => m.process !== undefined);
      if (all && live.length < this.#members.length) {
        throw new MemberExited(`an etcd member exited while starting${this.#logs()}`);
      }
      if (live.length === 0) throw new Error(`etcd: no member is running${this.#logs()}`);
      const states = await Promise.all(live.map((m) => healthy(m.clientUrl)));
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) {
        throw new Error(`etcd cluster not healthy after ${timeoutMs} ms${this.#logs()}`);
      }
      // Polling a condition, not sleeping for one: the loop ends as soon as it holds.
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  #logs(): string {
    return this.#members
      .map((m) => (m.log.length ? `\n${m.name}: ${m.log.slice(-5).join('\n  ')}` : ''))
      .join('');
  }

  /** Stop one member (SIGTERM, SIGKILL after the grace); its data stays for a restart. */
  async stopMember(index: number): Promise<void> {
    const m = this.#member(index);
    const child = m.process;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.#opts.stopGraceMs);
    await m.exited;
    clearTimeout(timer);
  }

  /** Start a stopped member again with its old data and wait for it to be healthy. */
  async restartMember(index: number): Promise<void> {
    if (this.#member(index).process) return;
    this.#spawn(index);
    await this.waitHealthy();
  }

  /** Whether member `index` is running. */
  isRunning(index: number): boolean {
    return this.#member(index).process !== undefined;
  }

  /** Stop every member and remove every data directory. */
  async stop(): Promise<void> {
    // One at a time: members stopped together wait seconds for each other while shutting down.
    for (let i = 0; i < this.#members.length; i++) await this.stopMember(i);
    await Promise.all(this.#members.map((m) => rm(m.dataDir, { recursive: true, force: true })));
    for (const m of this.#members) dataDirs.delete(m.dataDir);
  }
}
