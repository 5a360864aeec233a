import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StatusReason } from '../api/errors.ts';
import { machine, rejectsWith } from '../store/conformance/fixtures.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createMetrics } from './registry.ts';
import { instrumentStore } from './store-instrumentation.ts';

test('every store call is timed by operation and kind; results and errors pass through', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-metrics-'));
  const metrics = createMetrics({ processMetrics: false });
  const store = instrumentStore(await openSqliteStore({ dataDir }), metrics);
  try {
    const created = await store.create(machine('m1'));
    assert.equal((await store.get('Machine', 'team-a', 'm1')).metadata.uid, created.metadata.uid);
    await store.list('Machine');
    const updated = await store.update({
      ...created,
      metadata: { ...created.metadata, labels: { a: 'b' } },
    });
    await store.updateStatus({ ...updated, status: { phase: 'Running' } });
    const watch = await store.watch({ kind: 'Machine' });
    watch.close();
    await store.delete('Machine', 'team-a', 'm1');
    await rejectsWith(store.get('Machine', 'team-a', 'm1'), StatusReason.NotFound);
    await store.compact(await store.currentRevision());
    const text = await metrics.registry.metrics();
    const count = (operation: string, kind: string) => {
      const series = `slipway_store_operation_duration_seconds_count{operation="${operation}",kind="${kind}"} `;
      const line = text.split('\n').find((l) => l.startsWith(series));
      return line ? Number(line.slice(series.length)) : 0;
    };
    assert.equal(count('create', 'Machine'), 1);
    assert.equal(count('get', 'Machine'), 2, 'failed calls are timed too');
    assert.equal(count('list', 'Machine'), 1);
    assert.equal(count('update', 'Machine'), 1);
    assert.equal(count('updateStatus', 'Machine'), 1);
    assert.equal(count('watch', 'Machine'), 1);
    assert.equal(count('delete', 'Machine'), 1);
    assert.equal(count('currentRevision', '*'), 1);
    assert.equal(count('compact', '*'), 1);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
