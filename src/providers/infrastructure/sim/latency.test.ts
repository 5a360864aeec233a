import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latencyProfiles, resolveLatencyProfile, stageDelay } from './latency.ts';

describe('sim latency profiles', () => {
  test('default follows Cluster API in-memory: VM 10 s, components 2 s, jitter 0.2', () => {
    const p = resolveLatencyProfile('default');
    assert.deepEqual([p.vmProvisioningMs, p.componentsMs, p.jitter], [10_000, 2_000, 0.2]);
    assert.equal(resolveLatencyProfile('fast').vmProvisioningMs, 1_500);
  });

  test('jitter only lengthens: base … (1 + jitter) × base', () => {
    const p = latencyProfiles.default;
    assert.equal(
      stageDelay(p, 'vmProvisioning', () => 0),
      10_000,
    );
    assert.equal(
      stageDelay(p, 'vmProvisioning', () => 0.5),
      11_000,
    );
    assert.equal(
      stageDelay(p, 'vmProvisioning', () => 0.999_999),
      12_000,
    );
    assert.equal(
      stageDelay(p, 'components', () => 0.5),
      2_200,
    );
  });

  test('zero is zero whatever the dice say', () => {
    for (const stage of ['vmProvisioning', 'vmStart', 'components', 'vmDeletion'] as const) {
      assert.equal(
        stageDelay(latencyProfiles.zero, stage, () => 0.9),
        0,
      );
    }
  });

  test('custom profiles are checked; unknown names are refused', () => {
    const custom = { ...latencyProfiles.zero, name: 'slow-delete', vmDeletionMs: 30_000 };
    assert.equal(resolveLatencyProfile(custom), custom);
    assert.throws(() => resolveLatencyProfile({ ...custom, componentsMs: -1 }), /componentsMs/);
    assert.throws(() => resolveLatencyProfile({ ...custom, jitter: Number.NaN }), /jitter/);
    assert.throws(() => resolveLatencyProfile('toString'), /unknown sim latency profile/);
  });
});
