// Collector behaviour beyond the conformance suite: backing off and stopping cleanly.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SlipwayError, StatusReason } from '../api/errors.ts';
import type { AnyResource } from '../api/meta.ts';
import { kinds } from '../api/registry.ts';
import { GarbageCollector } from './garbage-collector.ts';
import type { StoreLogger } from './logger.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store, Watch, WatchOptions } from './types.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('stop() returns at once while the collector backs off after watch failures', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-gc-'));
  dirs.push(dataDir);
  const store = await openSqliteStore({ dataDir });
  const opened: Watch[] = [];
  let failures = 0;
  let reportFailure: () => void = () => {};
  const warned = new Promise<void>((resolve) => (reportFailure = resolve));
  const flaky: Store = {
    create: (o, opts) => store.create(o, opts),
    get: (k, ns, n) => store.get(k, ns, n),
    list: (k, opts) => store.list(k, opts),
    update: (o, opts) => store.update(o, opts),
    updateStatus: (o, opts) => store.updateStatus(o, opts),
    delete: (k, ns, n, opts) => store.delete(k, ns, n, opts),
    currentRevision: () => store.currentRevision(),
    compact: (r) => store.compact(r),
    close: () => store.close(),
    watch: async <T extends AnyResource>(opts: WatchOptions): Promise<Watch<T>> => {
      if (opened.length > 0) {
        failures++;
        throw new SlipwayError(StatusReason.ServiceUnavailable, 'etcd is down');
      }
      const w = await store.watch<T>(opts);
      opened.push(w);
      return w;
    },
  };
  const warnings: string[] = [];
  const logger: StoreLogger = {
    info: () => {},
    error: () => {},
    warn: (_obj, msg) => {
      warnings.push(msg ?? '');
      reportFailure();
    },
  };
  const gc = new GarbageCollector({ store: flaky, kinds, logger, retryDelayMs: 60_000 });
  try {
    await gc.start();
    opened[0]?.close(); // the watch ends; the collector watches again, which fails
    await warned;
    assert.equal(failures, 1);
    assert.deepEqual(warnings, ['watch failed; retrying']);
    await gc.stop(); // would hang for a minute if the backoff held it
  } finally {
    await store.close();
  }
});
