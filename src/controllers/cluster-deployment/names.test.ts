import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dns1123LabelError } from '../../api/names.ts';
import { newMachineNames, workerName } from './names.ts';
import { readClusterShape } from './shape.ts';

describe('machine names', () => {
  it('takes the lowest free slot, the same one every time', () => {
    const taken = new Set(['demo-cp-0', 'demo-cp-2']);
    const input = {
      cluster: 'demo',
      clusterUID: 'u1',
      role: 'control-plane' as const,
      count: 2,
      taken,
    };
    assert.deepEqual(newMachineNames(input), ['demo-cp-1', 'demo-cp-3']);
    assert.deepEqual(newMachineNames(input), ['demo-cp-1', 'demo-cp-3']);
    const workers = newMachineNames({ ...input, role: 'worker', count: 2 });
    assert.match(workers[0] ?? '', /^demo-worker-[a-z0-9]{5}$/);
    assert.equal(workers[0], workerName('demo', 'u1', 0));
    assert.notEqual(workerName('demo', 'u2', 0), workers[0], 'another cluster uid, other names');
  });

  it('keeps names DNS labels for long cluster names', () => {
    const long = 'a'.repeat(60);
    for (const name of [
      ...newMachineNames({
        cluster: long,
        clusterUID: 'u',
        role: 'worker',
        count: 1,
        taken: new Set(),
      }),
      ...newMachineNames({
        cluster: long,
        clusterUID: 'u',
        role: 'control-plane',
        count: 1,
        taken: new Set(),
      }),
    ]) {
      assert.equal(dns1123LabelError(name), undefined, name);
    }
  });
});

describe('readClusterShape', () => {
  it('defaults to one control plane, no workers, surge 1 / unavailable 0', () => {
    const shape = readClusterShape({});
    assert.ok(shape.ok);
    assert.deepEqual(shape.shape, {
      controlPlanes: 1,
      workers: 0,
      rollout: { maxSurge: 1, maxUnavailable: 0 },
      machine: {},
    });
  });

  it('names every problem with its field', () => {
    const shape = readClusterShape({
      controlPlaneNumber: 4,
      workersNumber: 1.5,
      upgrade: { maxSurge: 0, maxUnavailable: 0 },
      machine: 'big',
    });
    assert.equal(shape.ok, false);
    if (shape.ok) return;
    assert.deepEqual(
      shape.problems.map((p) => p.field),
      [
        'spec.config.controlPlaneNumber',
        'spec.config.workersNumber',
        'spec.config.upgrade',
        'spec.config.machine',
      ],
    );
  });
});
