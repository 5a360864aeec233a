import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCluster, pickForRemoval, type MachineView, type PlanInput } from './plan.ts';

const now = new Date('2025-01-01T01:00:00Z');
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000).toISOString();

let counter = 0;
function machine(role: MachineView['role'], over: Partial<MachineView> = {}): MachineView {
  counter++;
  return {
    name: `${role === 'control-plane' ? 'cp' : 'w'}-${counter}`,
    role,
    template: 't1',
    version: 'v1',
    createdAt: minutesAgo(100 - counter),
    deleting: false,
    deleteRequested: false,
    ready: true,
    hasNode: true,
    notReadySince: undefined,
    failed: false,
    failureMessage: undefined,
    ...over,
  };
}

type InputOverrides = Partial<Omit<PlanInput, 'want'>> & { want?: Partial<PlanInput['want']> };

function input(over: InputOverrides = {}): PlanInput {
  return {
    machines: [],
    apiAvailable: true,
    health: {
      nodeNotReadyTimeoutMs: 5 * 60_000,
      maxUnhealthyShare: 0.4,
      upgradeStepTimeoutMs: 30 * 60_000,
    },
    now,
    ...over,
    want: {
      controlPlanes: 1,
      workers: 0,
      template: 't1',
      version: 'v1',
      rollout: { maxSurge: 1, maxUnavailable: 0 },
      ...over.want,
    },
  };
}

describe('planCluster: creation', () => {
  it('starts with one initialising control plane and no workers', () => {
    const plan = planCluster(
      input({ want: { controlPlanes: 3, workers: 2 }, apiAvailable: false }),
    );
    assert.deepEqual(plan.creates, [
      { role: 'control-plane', initialize: true, reason: 'Initialize' },
    ]);
    assert.equal(plan.workers, 'WaitingForControlPlane');
  });

  it('waits for the first control plane before joining the others', () => {
    const cp = machine('control-plane', { ready: false, hasNode: false });
    const plan = planCluster(
      input({ want: { controlPlanes: 3, workers: 2 }, machines: [cp], apiAvailable: false }),
    );
    assert.deepEqual(plan.creates, []);
  });

  it('joins control planes one at a time and workers all at once once the API answers', () => {
    const cp = machine('control-plane');
    const plan = planCluster(input({ want: { controlPlanes: 3, workers: 2 }, machines: [cp] }));
    assert.deepEqual(plan.creates, [
      { role: 'control-plane', initialize: false, reason: 'ScaleUp' },
      { role: 'worker', initialize: false, reason: 'ScaleUp' },
      { role: 'worker', initialize: false, reason: 'ScaleUp' },
    ]);
    const joining = machine('control-plane', { ready: false, hasNode: false });
    const next = planCluster(input({ want: { controlPlanes: 3 }, machines: [cp, joining] }));
    assert.deepEqual(next.creates, [], 'the second joins before the third is created');
  });

  it('does not initialise a new cluster while old control planes are still going', () => {
    const old = machine('control-plane', { deleting: true });
    assert.deepEqual(planCluster(input({ machines: [old] })).creates, []);
  });
});

describe('planCluster: scaling', () => {
  it('removes the newest workers first, annotated ones before them', () => {
    const cp = machine('control-plane');
    const w = [
      machine('worker'),
      machine('worker'),
      machine('worker'),
      machine('worker'),
      machine('worker'),
    ];
    const plan = planCluster(input({ want: { workers: 2 }, machines: [cp, ...w] }));
    assert.deepEqual(
      plan.deletes.map((d) => d.name).sort(),
      [w[2], w[3], w[4]].map((m) => m?.name).sort(),
    );
    const marked = { ...w[0]!, deleteRequested: true };
    const plan2 = planCluster(
      input({ want: { workers: 4 }, machines: [cp, marked, ...w.slice(1)] }),
    );
    assert.deepEqual(
      plan2.deletes.map((d) => d.name),
      [marked.name],
    );
  });

  it('removes unhealthy workers before healthy newer ones', () => {
    const cp = machine('control-plane');
    const sick = machine('worker', { ready: false, notReadySince: minutesAgo(1) });
    const fresh = machine('worker');
    const plan = planCluster(input({ want: { workers: 1 }, machines: [cp, sick, fresh] }));
    assert.deepEqual(
      plan.deletes.map((d) => d.name),
      [sick.name],
    );
  });

  it('removes control planes one at a time, only when all are Ready', () => {
    const cps = [machine('control-plane'), machine('control-plane'), machine('control-plane')];
    const plan = planCluster(input({ want: { controlPlanes: 1 }, machines: cps }));
    assert.equal(plan.deletes.length, 1);
    assert.equal(plan.deletes[0]?.name, cps[2]?.name);
    const going = { ...cps[2]!, deleting: true };
    const next = planCluster(
      input({ want: { controlPlanes: 1 }, machines: [cps[0]!, cps[1]!, going] }),
    );
    assert.deepEqual(next.deletes, [], 'waits until the removed member is gone');
  });
});

describe('planCluster: upgrade', () => {
  const want = { controlPlanes: 3, workers: 2, template: 't2', version: 'v2' };

  it('surges one control plane, then removes the oldest outdated one once it is Ready', () => {
    const cps = [machine('control-plane'), machine('control-plane'), machine('control-plane')];
    const ws = [machine('worker'), machine('worker')];
    const plan = planCluster(input({ want, machines: [...cps, ...ws] }));
    assert.deepEqual(plan.creates, [
      { role: 'control-plane', initialize: false, reason: 'Upgrade' },
    ]);
    assert.equal(plan.workers, 'WaitingForControlPlane');

    const surged = machine('control-plane', {
      template: 't2',
      version: 'v2',
      ready: false,
      hasNode: false,
    });
    assert.deepEqual(planCluster(input({ want, machines: [...cps, surged, ...ws] })).deletes, []);
    const readySurge = { ...surged, ready: true, hasNode: true };
    const plan3 = planCluster(input({ want, machines: [...cps, readySurge, ...ws] }));
    assert.deepEqual(plan3.deletes, [
      { name: cps[0]?.name, role: 'control-plane', reason: 'Upgrade' },
    ]);
  });

  it('rolls workers after control planes with maxSurge 1 / maxUnavailable 0', () => {
    const cps = [machine('control-plane', { template: 't2', version: 'v2' })];
    const ws = [machine('worker'), machine('worker')];
    const w = { ...want, controlPlanes: 1 };
    const plan = planCluster(input({ want: w, machines: [...cps, ...ws] }));
    assert.deepEqual(plan.creates, [{ role: 'worker', initialize: false, reason: 'Upgrade' }]);
    assert.deepEqual(plan.deletes, []);
    const fresh = machine('worker', { template: 't2', version: 'v2' });
    const plan2 = planCluster(input({ want: w, machines: [...cps, ...ws, fresh] }));
    assert.deepEqual(plan2.creates, []);
    assert.deepEqual(
      plan2.deletes.map((d) => d.name),
      [ws[0]?.name],
    );
  });

  it('with maxUnavailable 1 and no surge, removes before creating', () => {
    const cps = [machine('control-plane', { template: 't2', version: 'v2' })];
    const ws = [machine('worker'), machine('worker')];
    const w = { ...want, controlPlanes: 1, rollout: { maxSurge: 0, maxUnavailable: 1 } };
    const plan = planCluster(input({ want: w, machines: [...cps, ...ws] }));
    assert.deepEqual(plan.creates, []);
    assert.deepEqual(
      plan.deletes.map((d) => d.name),
      [ws[0]?.name],
    );
  });

  it('stops the rollout when a new machine fails', () => {
    const cps = [machine('control-plane'), machine('control-plane'), machine('control-plane')];
    const broken = machine('control-plane', {
      template: 't2',
      version: 'v2',
      ready: false,
      hasNode: false,
      failed: true,
      failureMessage: 'disk full',
    });
    const plan = planCluster(input({ want, machines: [...cps, broken] }));
    assert.match(plan.upgradeFailure ?? '', /disk full/);
    assert.deepEqual(plan.creates, []);
    assert.deepEqual(plan.deletes, []);
  });
});

describe('planCluster: remediation', () => {
  it('replaces a worker NotReady longer than the threshold, one at a time', () => {
    const cps = [machine('control-plane')];
    const ws = [1, 2, 3, 4].map(() => machine('worker'));
    const sick = { ...ws[0]!, ready: false, notReadySince: minutesAgo(10) };
    const sick2 = { ...ws[1]!, ready: false, notReadySince: minutesAgo(10) };
    const plan = planCluster(
      input({ want: { workers: 4 }, machines: [...cps, sick, sick2, ws[2]!, ws[3]!] }),
    );
    assert.equal(plan.deletes.length, 1);
    assert.equal(plan.deletes[0]?.reason, 'Remediation');
  });

  it('waits while the node has been NotReady for less than the threshold', () => {
    const cps = [machine('control-plane')];
    const sick = machine('worker', { ready: false, notReadySince: minutesAgo(1) });
    const plan = planCluster(
      input({
        want: { workers: 3 },
        machines: [...cps, sick, machine('worker'), machine('worker')],
      }),
    );
    assert.deepEqual(plan.deletes, []);
  });

  it('holds back while too much of the cluster is unhealthy', () => {
    const cps = [machine('control-plane')];
    const sick = [1, 2].map(() =>
      machine('worker', { ready: false, notReadySince: minutesAgo(10) }),
    );
    const plan = planCluster(
      input({ want: { workers: 3 }, machines: [...cps, ...sick, machine('worker')] }),
    );
    assert.deepEqual(plan.deletes, []);
    assert.match(plan.remediation ?? '', /2 of 4/);
  });

  it('never replaces the only control plane', () => {
    const cp = machine('control-plane', { ready: false, notReadySince: minutesAgo(10) });
    const ws = [1, 2, 3].map(() => machine('worker'));
    const plan = planCluster(input({ want: { workers: 3 }, machines: [cp, ...ws] }));
    assert.deepEqual(plan.deletes, []);
  });
});

describe('pickForRemoval', () => {
  it('takes outdated machines oldest first', () => {
    const want = input({ want: { template: 't2' } }).want;
    const a = machine('worker');
    const b = machine('worker');
    const c = machine('worker', { template: 't2' });
    assert.deepEqual(
      pickForRemoval([c, b, a], 2, want).map((m) => m.name),
      [a.name, b.name],
    );
  });
});
