// The infrastructure conformance suite: every provider runs it unchanged, e.g.
//
//   runInfrastructureConformance({ newProvider: async () => {
//     const emulator = await startEmulator();
//     return { provider: createProxmoxProvider(...), credential, rejectedCredential,
//              tick: () => emulator.advance(1000), cleanup: () => emulator.stop() };
//   } });
//
// It registers node:test suites and uses only the InfrastructureProvider interface plus
// the optional hooks of the harness. The contract it checks is
// docs/providers/infrastructure.md.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type {
  BootstrapData,
  InfrastructureProvider,
  MachineObservation,
  MachineRequest,
  ProviderCredential,
} from './types.ts';

export interface InfrastructureHarness {
  provider: InfrastructureProvider;
  /** A credential the provider accepts. */
  credential: ProviderCredential;
  /** A credential the provider rejects (e.g. a wrong password). */
  rejectedCredential: ProviderCredential;
  /** Provider settings for every machine (size, placement, template, …). */
  settings?: Record<string, unknown>;
  /** Boot data for a machine; default: a minimal `#cloud-config` with its hostname. */
  bootstrap?(machineName: string): BootstrapData;
  /** Let time pass between polls: advance a fake clock, or wait for an emulator. */
  tick?(): Promise<void>;
  /** How many machines exist on the infrastructure now (VMs, not Machine objects). */
  countMachines?(): Promise<number>;
  /** Make this machine's creation fail, in whatever way the provider reports it. */
  injectFault?(request: MachineRequest): Promise<void>;
  /** A new provider instance over the same infrastructure: a restarted server. */
  restart?(): Promise<InfrastructureProvider>;
  /** Close what the harness opened and remove what it left behind. */
  cleanup(): Promise<void>;
}

export type NewInfrastructureProvider = () => Promise<InfrastructureHarness>;

export interface InfrastructureConformanceOptions {
  newProvider: NewInfrastructureProvider;
  /** Polls (reconcile or delete, then tick) before a test gives up; default 100. */
  maxPolls?: number;
}

function request(h: InfrastructureHarness, machineName: string): MachineRequest {
  return {
    namespace: 'conformance',
    clusterName: 'demo',
    machineName,
    machineUID: randomUUID(),
    role: 'control-plane',
    settings: h.settings ?? {},
    credential: h.credential,
    bootstrap: h.bootstrap?.(machineName) ?? {
      userData: `#cloud-config\nhostname: ${machineName}\n`,
      metaData: `instance-id: ${machineName}\nlocal-hostname: ${machineName}\n`,
    },
  };
}

function tick(h: InfrastructureHarness): Promise<void> {
  return h.tick ? h.tick() : new Promise((resolve) => setImmediate(resolve));
}

async function assertCount(h: InfrastructureHarness, expected: number, when: string) {
  if (h.countMachines) assert.equal(await h.countMachines(), expected, `machines ${when}`);
}

function assertWellFormed(obs: MachineObservation): void {
  assert.ok(obs.reason, `every observation has a reason (state ${obs.state})`);
  assert.ok(Array.isArray(obs.addresses), 'addresses is a list');
  if (obs.state === 'Running') {
    assert.ok(obs.providerID, 'a Running machine has a providerID');
    assert.ok(obs.addresses.length > 0, 'a Running machine has addresses');
  }
}

/** Reconcile (then tick) until Running; `machines` is how many should exist meanwhile. */
async function reconcileUntilRunning(
  h: InfrastructureHarness,
  req: MachineRequest,
  maxPolls: number,
  { provider = h.provider, machines = 1 } = {},
): Promise<MachineObservation> {
  let providerID: string | undefined;
  for (let poll = 0; poll < maxPolls; poll++) {
    const obs = await provider.reconcileMachine(req);
    assertWellFormed(obs);
    assert.notEqual(obs.state, 'Failed', `unexpected Failed: ${obs.reason} ${obs.message ?? ''}`);
    if (providerID !== undefined && obs.providerID !== undefined) {
      assert.equal(obs.providerID, providerID, 'the providerID never changes');
    }
    providerID ??= obs.providerID;
    await assertCount(h, machines, 'after a reconcile');
    if (obs.state === 'Running') return obs;
    await tick(h);
  }
  throw new Error(`${req.machineName} did not reach Running within ${maxPolls} polls`);
}

/** Reconcile with `powerState: 'Off'` (then tick) until the machine reports Stopped. */
async function reconcileUntilStopped(
  h: InfrastructureHarness,
  req: MachineRequest,
  maxPolls: number,
  providerID: string | undefined,
): Promise<MachineObservation> {
  const off: MachineRequest = { ...req, powerState: 'Off' };
  for (let poll = 0; poll < maxPolls; poll++) {
    const obs = await h.provider.reconcileMachine(off);
    assertWellFormed(obs);
    assert.notEqual(obs.state, 'Failed', `unexpected Failed: ${obs.reason} ${obs.message ?? ''}`);
    if (obs.providerID !== undefined) assert.equal(obs.providerID, providerID);
    await assertCount(h, 1, 'while stopping');
    if (obs.state === 'Stopped') return obs;
    await tick(h);
  }
  throw new Error(`${req.machineName} did not stop within ${maxPolls} polls`);
}

async function deleteUntilGone(h: InfrastructureHarness, req: MachineRequest, maxPolls: number) {
  for (let poll = 0; poll < maxPolls; poll++) {
    const obs = await h.provider.deleteMachine(req);
    assert.ok(obs.reason, 'every delete observation has a reason');
    if (obs.gone) return;
    await tick(h);
  }
  throw new Error(`${req.machineName} was not gone within ${maxPolls} polls`);
}

async function withHarness(
  newProvider: NewInfrastructureProvider,
  fn: (h: InfrastructureHarness) => Promise<void>,
): Promise<void> {
  const h = await newProvider();
  try {
    await fn(h);
  } finally {
    await h.cleanup();
  }
}

/** Register the infrastructure provider conformance suite with node:test. */
export function runInfrastructureConformance(options: InfrastructureConformanceOptions): void {
  const { newProvider } = options;
  const maxPolls = options.maxPolls ?? 100;
  const check = (name: string, fn: (h: InfrastructureHarness) => Promise<void>) =>
    void test(name, () => withHarness(newProvider, fn));

  void describe('infrastructure provider conformance', () => {
    check('has a name', (h) => {
      assert.match(h.provider.name, /^[a-z][a-z0-9-]*$/);
      return Promise.resolve();
    });

    check(
      'checkCredential accepts a good credential and rejects a bad one, with reasons',
      async (h) => {
        const good = await h.provider.checkCredential(h.credential);
        assert.equal(good.ok, true, good.message);
        assert.match(good.reason, /^[A-Z][A-Za-z]+$/);
        const bad = await h.provider.checkCredential(h.rejectedCredential);
        assert.equal(bad.ok, false);
        assert.match(bad.reason, /^[A-Z][A-Za-z]+$/);
        assert.ok(bad.message, 'a rejection says why');
      },
    );

    check('inventory answers for a good credential', async (h) => {
      const inventory = await h.provider.inventory(h.credential);
      assert.equal(typeof inventory, 'object');
    });

    check('observeMachine returns undefined for a machine that never existed', async (h) => {
      assert.equal(await h.provider.observeMachine(request(h, 'never')), undefined);
    });

    check('reconcileMachine reaches Running with a providerID and addresses', async (h) => {
      const req = request(h, 'm1');
      const running = await reconcileUntilRunning(h, req, maxPolls);
      const observed = await h.provider.observeMachine(req);
      assert.ok(observed, 'observeMachine sees the machine');
      assert.equal(observed.state, 'Running');
      assert.equal(observed.providerID, running.providerID);
      assert.deepEqual(observed.addresses, running.addresses);
    });

    check('repeated and concurrent reconciles never create a second machine', async (h) => {
      const req = request(h, 'm1');
      const first = await h.provider.reconcileMachine(req);
      const concurrent = await Promise.all(
        Array.from({ length: 5 }, () => h.provider.reconcileMachine(req)),
      );
      for (const obs of concurrent) {
        if (first.providerID) assert.equal(obs.providerID, first.providerID);
      }
      await assertCount(h, 1, 'after concurrent reconciles');
      const running = await reconcileUntilRunning(h, req, maxPolls);
      for (let i = 0; i < 3; i++) {
        const again = await h.provider.reconcileMachine(req);
        assert.equal(again.state, 'Running');
        assert.equal(again.providerID, running.providerID);
        assert.deepEqual(again.addresses, running.addresses);
      }
      await assertCount(h, 1, 'after reconciles of a Running machine');
    });

    check('powerState Off stops a machine and keeps it stopped; On starts it again', async (h) => {
      const req = request(h, 'm1');
      const running = await reconcileUntilRunning(h, req, maxPolls);
      await reconcileUntilStopped(h, req, maxPolls, running.providerID);
      const off: MachineRequest = { ...req, powerState: 'Off' };
      for (let i = 0; i < 3; i++) {
        const again = await h.provider.reconcileMachine(off);
        assert.equal(again.state, 'Stopped', 'a machine asked to be Off is never started');
        await tick(h);
      }
      const observed = await h.provider.observeMachine(req);
      assert.equal(observed?.state, 'Stopped', 'observeMachine sees it stopped');
      assert.equal(observed.providerID, running.providerID);
      await assertCount(h, 1, 'while stopped (nothing deleted)');
      const woken = await reconcileUntilRunning(h, { ...req, powerState: 'On' }, maxPolls);
      assert.equal(woken.providerID, running.providerID, 'the same machine runs again');
      await assertCount(h, 1, 'after starting again');
    });

    check('machines are kept apart', async (h) => {
      const a = request(h, 'm-a');
      const b = request(h, 'm-b');
      const ra = await reconcileUntilRunning(h, a, maxPolls);
      const rb = await reconcileUntilRunning(h, b, maxPolls, { machines: 2 });
      assert.notEqual(rb.providerID, ra.providerID);
      await assertCount(h, 2, 'with two machines');
      await deleteUntilGone(h, a, maxPolls);
      assert.equal(await h.provider.observeMachine(a), undefined);
      assert.equal((await h.provider.observeMachine(b))?.providerID, rb.providerID);
      await assertCount(h, 1, 'after deleting one of two');
    });

    check('deleteMachine succeeds for a machine that never existed, repeatedly', async (h) => {
      const req = request(h, 'ghost');
      for (let i = 0; i < 2; i++) {
        const obs = await h.provider.deleteMachine(req);
        assert.equal(obs.gone, true);
        assert.ok(obs.reason);
      }
    });

    check('delete reaches gone and stays idempotent', async (h) => {
      const req = request(h, 'm1');
      await reconcileUntilRunning(h, req, maxPolls);
      const concurrent = await Promise.all([
        h.provider.deleteMachine(req),
        h.provider.deleteMachine(req),
      ]);
      for (const obs of concurrent) assert.ok(obs.reason);
      await deleteUntilGone(h, req, maxPolls);
      assert.equal(await h.provider.observeMachine(req), undefined);
      assert.equal((await h.provider.deleteMachine(req)).gone, true);
      await assertCount(h, 0, 'after delete');
    });

    check('a machine can be deleted while it is still being created', async (h) => {
      const req = request(h, 'm1');
      await h.provider.reconcileMachine(req);
      await deleteUntilGone(h, req, maxPolls);
      assert.equal(await h.provider.observeMachine(req), undefined);
      await assertCount(h, 0, 'after delete');
    });

    check('a restarted provider adopts the machine it created before', async (h) => {
      if (!h.restart) return;
      const req = request(h, 'm1');
      const before = await h.provider.reconcileMachine(req);
      const restarted = await h.restart();
      const running = await reconcileUntilRunning(h, req, maxPolls, { provider: restarted });
      if (before.providerID) assert.equal(running.providerID, before.providerID);
      await assertCount(h, 1, 'after the restart');
    });

    check('faults surface as thrown errors or Failed with a reason', async (h) => {
      if (!h.injectFault) return;
      const req = request(h, 'faulty');
      await h.injectFault(req);
      for (let poll = 0; poll < maxPolls; poll++) {
        let obs: MachineObservation;
        try {
          obs = await h.provider.reconcileMachine(req);
        } catch (err: unknown) {
          assert.ok(err instanceof Error, 'a fault is thrown as an Error');
          assert.ok(err.message, 'a thrown fault says what happened');
          return;
        }
        assertWellFormed(obs);
        if (obs.state === 'Failed') {
          assert.ok(obs.message, 'a Failed machine says why');
          return;
        }
        assert.notEqual(obs.state, 'Running', 'the injected fault was not reported');
        await tick(h);
      }
      throw new Error(`the injected fault did not surface within ${maxPolls} polls`);
    });
  });
}
