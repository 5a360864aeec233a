// The HTTP load driver the API benchmarks share: a number of concurrent clients, each
// on its own keep-alive connection, sending requests until a total is reached.
import { Pool } from 'undici';

/** The value at percentile `p` (0–100) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export interface Run {
  /** Per-request latencies in milliseconds, ascending. */
  latencies: number[];
  seconds: number;
}

/** `total` requests from `clients` concurrent loops over `clients` keep-alive connections. */
export async function load(
  url: string,
  clients: number,
  total: number,
  send: (pool: Pool, i: number) => Promise<void>,
): Promise<Run> {
  const pool = new Pool(url, { connections: clients, pipelining: 1 });
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        await send(pool, i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { latencies, seconds };
}
