import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from './registry.ts';

test('the text exposition has every Slipway series and the process metrics', async () => {
  const metrics = createMetrics();
  metrics.reconcileTotal.inc({ controller: 'machine', result: 'success' });
  metrics.reconcileErrors.inc({ controller: 'machine' });
  metrics.reconcileDuration.observe({ controller: 'machine' }, 0.02);
  metrics.storeOperationDuration.observe({ operation: 'get', kind: 'Machine' }, 0.0003);
  metrics.providerCallDuration.observe(
    { provider: 'sim', operation: 'reconcileMachine', result: 'success' },
    1.5,
  );
  let depth = 7;
  const untrack = metrics.trackQueueDepth('machine', () => depth);
  const text = await metrics.registry.metrics();
  for (const series of [
    'slipway_reconcile_total{controller="machine",result="success"} 1',
    'slipway_reconcile_errors_total{controller="machine"} 1',
    'slipway_reconcile_duration_seconds_bucket{le="0.025",controller="machine"} 1',
    'slipway_reconcile_duration_seconds_count{controller="machine"} 1',
    'slipway_workqueue_depth{controller="machine"} 7',
    'slipway_store_operation_duration_seconds_count{operation="get",kind="Machine"} 1',
    'slipway_provider_call_duration_seconds_count{provider="sim",operation="reconcileMachine",result="success"} 1',
  ]) {
    assert.ok(text.includes(series), `missing ${series}`);
  }
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
  depth = 2;
  assert.match(
    await metrics.registry.metrics(),
    /^slipway_workqueue_depth\{controller="machine"\} 2$/m,
  );
  untrack();
});

test('each server has its own registry; the global default registry stays empty', async () => {
  const { register } = await import('prom-client');
  const a = createMetrics({ processMetrics: false });
  const b = createMetrics({ processMetrics: false });
  a.reconcileTotal.inc({ controller: 'x', result: 'success' });
  assert.match(
    await a.registry.metrics(),
    /slipway_reconcile_total\{controller="x",result="success"\} 1/,
  );
  assert.doesNotMatch(await b.registry.metrics(), /controller="x"/);
  assert.equal(register.getMetricsAsArray().length, 0);
  assert.doesNotMatch(await b.registry.metrics(), /^process_/m);
});
