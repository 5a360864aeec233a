// What every command gets: the process's streams and environment (injected so tests run
// commands in-process), and a lazily connected API client.
import { ApiClient } from './client.ts';
import {
  configPath,
  readConfigFile,
  resolveConnection,
  type ConnectionFlags,
  type Env,
} from './config.ts';

export interface TextWriter {
  write(text: string): unknown;
  /** A terminal (process.stdout has it): progress is redrawn in place instead of logged. */
  isTTY?: boolean;
  /** Terminal width, to keep redrawn lines from wrapping. */
  columns?: number;
}

/** The outside world of one CLI run. */
export interface CliIo {
  stdout: TextWriter;
  stderr: TextWriter;
  env: Env;
  /** Everything on standard input, for `-f -`. */
  readStdin: () => Promise<string>;
  /** Aborted on SIGINT/SIGTERM: stops watches, waits and the server. */
  signal?: AbortSignal;
  /** Wall clock in ms; tests pin it to get stable ages. */
  now?: () => number;
}

/** Global options every command accepts (see `main.ts`). */
export type GlobalOptions = ConnectionFlags;

export class CommandContext {
  readonly io: CliIo;
  /** Exit code for commands that report several failures and carry on. */
  exitCode = 0;
  #client: ApiClient | undefined;

  constructor(io: CliIo) {
    this.io = io;
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  err(text: string): void {
    this.io.stderr.write(text);
  }

  now(): number {
    return this.io.now?.() ?? Date.now();
  }

  get signal(): AbortSignal | undefined {
    return this.io.signal;
  }

  /** The API client for the connection the flags, environment and config file describe. */
  async client(flags: GlobalOptions): Promise<ApiClient> {
    if (!this.#client) {
      const file = await readConfigFile(configPath(this.io.env));
      const connection = resolveConnection(flags, this.io.env, file);
      this.#client = await ApiClient.connect(connection, this.io.signal);
    }
    return this.#client;
  }

  async close(): Promise<void> {
    await this.#client?.close();
  }
}
