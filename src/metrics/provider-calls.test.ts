import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeProviderCall } from './provider-calls.ts';
import { createMetrics } from './registry.ts';

test('provider calls are timed with their result; values and errors pass through', async () => {
  const metrics = createMetrics({ processMetrics: false });
  assert.equal(
    await timeProviderCall(metrics, 'sim', 'createVM', () => Promise.resolve('vm-1')),
    'vm-1',
  );
  await assert.rejects(
    timeProviderCall(metrics, 'proxmox', 'clone', () => Promise.reject(new Error('lock timeout'))),
    /lock timeout/,
  );
  const text = await metrics.registry.metrics();
  assert.match(
    text,
    /slipway_provider_call_duration_seconds_count\{provider="sim",operation="createVM",result="success"\} 1/,
  );
  assert.match(
    text,
    /slipway_provider_call_duration_seconds_count\{provider="proxmox",operation="clone",result="error"\} 1/,
  );
  // Without metrics (tests of providers), the call just runs.
  assert.equal(await timeProviderCall(undefined, 'sim', 'x', () => Promise.resolve(3)), 3);
});
