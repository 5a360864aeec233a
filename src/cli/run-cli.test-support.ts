// Test support: run one `slipway` command line in-process and capture what it prints.
import type { FakeApi } from './fake-api.test-support.ts';
import { runCli } from './main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run one command line in-process against `fake`, with the connection in the environment. */
export async function slipway(
  fake: FakeApi | undefined,
  argv: string[],
  options: {
    stdin?: string;
    signal?: AbortSignal;
    env?: Record<string, string>;
    onStdout?: (text: string) => void;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: {
      SLIPWAY_CONFIG: '/nonexistent/slipway-test-config.yaml',
      ...(fake ? { SLIPWAY_SERVER: fake.url, SLIPWAY_TOKEN: fake.token } : {}),
      ...options.env,
    },
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout, stderr };
}
