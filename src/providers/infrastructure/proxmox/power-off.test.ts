// Hibernation on the Proxmox emulator: powerState 'Off' shuts the VM down cleanly (hard
// stop after stopGraceSec), keeps it stopped across a restart of the provider, and 'On'
// starts the same VM again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHarness } from './test-support.ts';

const isStopped = (obs: { state: string }) => obs.state === 'Stopped';
const isRunning = (obs: { state: string }) => obs.state === 'Running';

describe('Proxmox provider: power state', () => {
  test('Off shuts a running VM down with a grace period; it stays off; On starts it', async () => {
    const h = await startHarness({
      settings: { template: { name: 'ubuntu-2404-k3s' }, memoryMiB: 1024, stopGraceSec: 5 },
    });
    try {
      const req = h.request('sleepy');
      const { obs: running } = await h.reconcileUntil(req, isRunning);
      const vmid = Number(running.providerID?.split('//')[1]);
      const off = { ...req, powerState: 'Off' as const };
      const stopped = await h.reconcileUntil(off, isStopped);
      assert.ok(stopped.seen.includes('StoppingVM'), stopped.seen.join(' → '));
      assert.equal(stopped.obs.providerID, running.providerID);
      const shutdowns = h.emulator.requests.filter(
        (r) => r.method === 'POST' && r.path === `/nodes/pve1/qemu/${vmid}/status/shutdown`,
      );
      assert.equal(shutdowns.length, 1, 'one clean shutdown (Proxmox force-stops after 5 s)');
      assert.equal(h.machineVMs()[0]?.status, 'stopped');

      // A restarted server knows nothing of the stop; it still leaves the VM off.
      const restarted = h.restart();
      const starts = () =>
        h.emulator.requests.filter((r) => r.path === `/nodes/pve1/qemu/${vmid}/status/start`)
          .length;
      const startsBefore = starts();
      for (let i = 0; i < 3; i++) {
        assert.equal((await restarted.reconcileMachine(off)).state, 'Stopped');
      }
      assert.equal(starts(), startsBefore, 'a VM asked to be off is never started');
      assert.equal((await restarted.observeMachine(req))?.state, 'Stopped');

      const woken = await h.reconcileUntil(req, isRunning, { provider: restarted });
      assert.equal(woken.obs.providerID, running.providerID, 'the same VM runs again');
      assert.equal(h.machineVMs().length, 1);
    } finally {
      await h.close();
    }
  });

  test('a machine created while Off is cloned and configured, and never started', async () => {
    const h = await startHarness();
    try {
      const req = { ...h.request('cold'), powerState: 'Off' as const };
      const { obs, seen } = await h.reconcileUntil(req, isStopped);
      assert.ok(seen.includes('CloningVM'), seen.join(' → '));
      assert.ok(obs.providerID);
      assert.equal(h.machineVMs()[0]?.status, 'stopped');
      assert.equal(
        h.emulator.requests.filter((r) => r.path.endsWith('/status/start')).length,
        0,
        'no start request',
      );
    } finally {
      await h.close();
    }
  });
});
