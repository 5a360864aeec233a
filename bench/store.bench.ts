// Raw store figures on this machine: sequential creates and updates per second (one
// transaction each, as the API server does them), encrypted writes, get latency, list
// timings and RSS. Figures, not assertions: read them as the ceiling for everything
// built on the store. Run: npm run bench:store [-- --count 20000]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiVersion, type AnyResource } from '../src/api/meta.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';

export interface StoreWriteFigures {
  createsPerSecond: number;
  updatesPerSecond: number;
}

/** A Machine of about 1 KiB, like the ones controllers write. */
function machine(i: number): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: {
      name: `bench-${i}`,
      namespace: `project-${i % 10}`,
      labels: {
        'slipway.dev/cluster': `cluster-${i % 100}`,
        'slipway.dev/role': i % 4 ? 'worker' : 'control-plane',
      },
      annotations: { 'slipway.dev/note': 'x'.repeat(200) },
    },
    spec: {
      clusterName: `cluster-${i % 100}`,
      role: i % 4 ? 'worker' : 'control-plane',
      version: 'v1.31.4+k3s1',
      template: 'k3s-1-31',
      infrastructure: {
        node: `pve-${i % 3}`,
        cores: 2,
        memoryMiB: 4096,
        diskGiB: 20,
        tags: ['slipway', 'bench'],
      },
      bootstrap: { dataSecretName: `bench-${i}-bootstrap` },
    },
  };
}

function secret(i: number): AnyResource {
  const data = { kubeconfig: Buffer.from('k'.repeat(600) + String(i)).toString('base64') };
  return {
    apiVersion: ApiVersion,
    kind: 'Secret',
    metadata: { name: `bench-${i}`, namespace: 'secrets' },
    type: 'Opaque',
    data,
  };
}

async function timed(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  return count / ((performance.now() - start) / 1000);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Sequential creates then updates of `count` Machines (used by bench:api too). */
export async function measureStoreWrites(
  store: Store,
  count: number,
  offset = 0,
): Promise<StoreWriteFigures> {
  const created: AnyResource[] = [];
  const createsPerSecond = await timed(count, async (i) =>
    created.push(await store.create(machine(offset + i))),
  );
  const updatesPerSecond = await timed(count, async (i) => {
    const obj = created[i] as AnyResource;
    await store.update({ ...obj, spec: { ...(obj.spec as object), version: 'v1.32.0+k3s1' } });
  });
  return { createsPerSecond, updatesPerSecond };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' } } });
  const count = Number(values.count);
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-store-'));
  const store = await openSqliteStore({ dataDir });
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ms = (n: number) => `${n.toFixed(3)} ms`;
  try {
    const rssStart = process.memoryUsage().rss;
    await measureStoreWrites(store, 1000, 10_000_000); // warm-up: JIT, page cache, WAL
    const writes = await measureStoreWrites(store, count);
    const secrets = await timed(Math.min(count, 5000), (i) => store.create(secret(i)));

    const gets: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const n = (i * 7919) % count;
      const start = performance.now();
      await store.get('Machine', `project-${n % 10}`, `bench-${n}`);
      gets.push(performance.now() - start);
    }
    gets.sort((a, b) => a - b);
    const once = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    const listAll = await once(() => store.list('Machine'));
    const listNs = await once(() => store.list('Machine', { namespace: 'project-3' }));
    const listSel = await once(() =>
      store.list('Machine', { labelSelector: 'slipway.dev/cluster=cluster-42' }),
    );
    const listPage = await once(() => store.list('Machine', { limit: 500 }));
    const total = count + 1000;

    console.log(
      `slipway store benchmark (sqlite, WAL, synchronous=NORMAL), ${fmt(count)} objects of ~1 KiB`,
    );
    console.log(
      `  creates          ${fmt(writes.createsPerSecond)} writes/s (sequential, one transaction each)`,
    );
    console.log(
      `  updates          ${fmt(writes.updatesPerSecond)} writes/s (sequential, one transaction each)`,
    );
    console.log(`  secret creates   ${fmt(secrets)} writes/s (AES-256-GCM at rest)`);
    console.log(
      `  get              p50 ${ms(percentile(gets, 50))}  p99 ${ms(percentile(gets, 99))}`,
    );
    console.log(`  list all         ${ms(listAll)} for ${fmt(total)} Machines`);
    console.log(`  list namespace   ${ms(listNs)} (${fmt(total / 10)} of ${fmt(total)})`);
    console.log(`  list selector    ${ms(listSel)} (label selector, scans the kind)`);
    console.log(`  list page        ${ms(listPage)} (limit 500)`);
    const rss = process.memoryUsage().rss;
    console.log(
      `  RSS              ${fmt(rss / 2 ** 20)} MiB (${fmt(rssStart / 2 ** 20)} MiB at start)`,
    );
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
