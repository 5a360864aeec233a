import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterDeployment } from './kinds/cluster-deployment.ts';
import {
  addUsage,
  clusterDeploymentResources,
  clusterResources,
  effectiveQuota,
  emptyUsage,
  exceededQuota,
  mergeConfig,
  projectUsage,
  quotaExceededMessage,
} from './quota.ts';

function cluster(
  name: string,
  config: Record<string, unknown>,
  deleting = false,
): ClusterDeployment {
  return {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: {
      name,
      namespace: 'p',
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { template: 't', credential: 'c', config },
  };
}

describe('clusterResources', () => {
  it('multiplies the machine size by control planes plus workers', () => {
    assert.deepEqual(
      clusterResources({
        controlPlaneNumber: 3,
        workersNumber: 2,
        machine: { vcpu: 2, memoryMiB: 4096, diskGiB: 20 },
      }),
      { clusters: 1, machines: 5, vcpu: 10, memoryMiB: 20480, diskGiB: 100 },
    );
  });

  it('reads cores × sockets when vcpu is absent, and adds extra disks', () => {
    assert.deepEqual(
      clusterResources({
        workersNumber: 1,
        machine: {
          cores: 2,
          sockets: 2,
          diskGiB: 10,
          extraDisks: [{ sizeGiB: 5 }, { sizeGiB: 7 }],
        },
      }),
      { clusters: 1, machines: 2, vcpu: 8, memoryMiB: 0, diskGiB: 44 },
    );
  });

  it('counts one control plane and no workers, and 0 for sizes not stated', () => {
    assert.deepEqual(clusterResources({}), {
      clusters: 1,
      machines: 1,
      vcpu: 0,
      memoryMiB: 0,
      diskGiB: 0,
    });
    assert.deepEqual(clusterResources({ workersNumber: 'x', machine: 'big' }).machines, 1);
  });

  it('merges the config over the template defaults first', () => {
    const defaults = {
      controlPlaneNumber: 1,
      workersNumber: 2,
      machine: { vcpu: 2, memoryMiB: 1024 },
    };
    assert.deepEqual(mergeConfig(defaults, { machine: { vcpu: 4 } }), {
      controlPlaneNumber: 1,
      workersNumber: 2,
      machine: { vcpu: 4, memoryMiB: 1024 },
    });
    assert.deepEqual(clusterDeploymentResources(cluster('a', { workersNumber: 0 }), defaults), {
      clusters: 1,
      machines: 1,
      vcpu: 2,
      memoryMiB: 1024,
      diskGiB: 0,
    });
  });
});

describe('projectUsage', () => {
  it('sums clusters not being deleted, leaving out the excluded one', () => {
    const clusters = [
      cluster('a', { workersNumber: 1 }),
      cluster('b', { workersNumber: 3 }),
      cluster('gone', { workersNumber: 9 }, true),
    ];
    const defaults = () => ({ machine: { vcpu: 1 } });
    assert.deepEqual(projectUsage(clusters, defaults), {
      clusters: 2,
      machines: 6,
      vcpu: 6,
      memoryMiB: 0,
      diskGiB: 0,
    });
    assert.equal(projectUsage(clusters, defaults, 'b').machines, 2);
    assert.deepEqual(addUsage(emptyUsage(), emptyUsage()), emptyUsage());
  });
});

describe('effectiveQuota and exceededQuota', () => {
  it('takes quota over quotaLimit per resource; absent in both is unlimited', () => {
    assert.deepEqual(
      effectiveQuota({ spec: { quota: { machines: 4 }, quotaLimit: { machines: 8, vcpu: 16 } } }),
      { machines: 4, vcpu: 16 },
    );
    assert.deepEqual(effectiveQuota({ spec: {} }), {});
  });

  it('names every exceeded resource with requested, used and limit', () => {
    const used = { clusters: 1, machines: 4, vcpu: 8, memoryMiB: 0, diskGiB: 0 };
    const requested = { clusters: 1, machines: 6, vcpu: 12, memoryMiB: 100, diskGiB: 0 };
    const excesses = exceededQuota(
      { clusters: 5, machines: 8, vcpu: 16, diskGiB: 0 },
      used,
      requested,
    );
    assert.deepEqual(
      excesses.map((e) => e.resource),
      ['machines', 'vcpu'],
    );
    assert.equal(
      quotaExceededMessage('P', excesses),
      'exceeded quota of project "P": requested machines=6,vcpu=12, used machines=4,vcpu=8, limited machines=8,vcpu=16',
    );
  });

  it('allows exactly reaching the limit, and resources not asked for even when over', () => {
    const used = { clusters: 3, machines: 4, vcpu: 0, memoryMiB: 0, diskGiB: 0 };
    const requested = { clusters: 1, machines: 4, vcpu: 0, memoryMiB: 0, diskGiB: 0 };
    assert.deepEqual(exceededQuota({ machines: 8, vcpu: 0 }, used, requested), []);
    assert.equal(exceededQuota({ clusters: 3 }, used, requested)[0]?.resource, 'clusters');
  });
});
