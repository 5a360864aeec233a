// CPU profiles of the benchmark's phases (provisioning, idle), written as .cpuprofile
// files that Chrome DevTools or `node --cpu-prof`-aware tools open.
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export class PhaseProfiler {
  readonly #dir: string | undefined;
  #session: Session | undefined;

  /** Profiles nothing when `dir` is undefined. */
  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** Sample every `intervalUs` (a coarse interval keeps an idle process nearly idle). */
  async start(intervalUs = 1000): Promise<void> {
    if (!this.#dir) return;
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    this.#session = session;
  }

  /** Stop and write `<dir>/<phase>.cpuprofile`. */
  async stop(phase: string): Promise<void> {
    const session = this.#session;
    if (!session || !this.#dir) return;
    this.#session = undefined;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(this.#dir, { recursive: true });
    await writeFile(join(this.#dir, `${phase}.cpuprofile`), JSON.stringify(profile));
  }
}
