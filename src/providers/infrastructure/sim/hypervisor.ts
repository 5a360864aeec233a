// The simulated hypervisor: VMs that take time to create, start and delete, boot from
// their cloud-init user-data into simulated K3s clusters, and fail when told to. Its
// state is the SQLite file in `${dataDir}/sim/`, so a restarted server finds every VM it
// created before. One operation runs at a time; time-driven transitions complete on a
// timer of the injected clock, and also before every operation looks at a VM.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BootstrapData } from '../types.ts';
import { simAddressFor, staticAddressFrom } from './addresses.ts';
import type { SimClusterRegistry } from './child-cluster-types.ts';
import { EarliestTimer, systemClock, type SimClock } from './clock.ts';
import { checkCreateFault, validateFaults, type SimFaults } from './faults.ts';
import { resolveLatencyProfile, stageDelay, type LatencyProfile } from './latency.ts';
import type { LatencyProfileName, SimStage } from './latency.ts';
import * as vmFaults from './vm-faults.ts';
import * as lifecycle from './vm-lifecycle.ts';
import { SimVMStore, type SimVM, type SimVMFilter, type SimVMIdentity } from './vm-store.ts';
import type { SimVMEvent } from './vm-store.ts';

export interface SimHypervisorOptions {
  /** The server's data directory; the sim keeps `sim/hypervisor.db` in it. */
  dataDir: string;
  /** The simulated clusters nodes register in (child-api/ serves them). */
  registry: SimClusterRegistry;
  clock?: SimClock;
  /** U[0,1) source for jitter and fault probabilities (default Math.random). */
  random?: () => number;
  /** Latencies of VMs created without a profile of their own (default `default`). */
  profile?: LatencyProfileName | LatencyProfile;
  faults?: SimFaults;
  /** Errors of background transitions (timers); default: ignored after retry scheduling. */
  onError?: (err: unknown) => void;
}

/** What it takes to create a VM for a Machine. */
export interface SimVMSpec extends SimVMIdentity {
  role: 'control-plane' | 'worker';
  bootstrap: BootstrapData;
  /** Overrides the hypervisor's default profile for this VM. */
  profile?: LatencyProfile;
  /** `Off`: stop the VM instead of starting it (hibernation). Absent: `On`. */
  powerState?: 'On' | 'Off';
}

/** A transition whose registry effect failed is tried again after this long. */
const transitionRetryMs = 1_000;

export class SimHypervisor {
  readonly profile: LatencyProfile;
  readonly #store: SimVMStore;
  readonly #ctx: lifecycle.LifecycleContext;
  readonly #clock: SimClock;
  readonly #random: () => number;
  readonly #onError: (err: unknown) => void;
  #faults: SimFaults;
  #tail: Promise<unknown> = Promise.resolve();
  readonly #timer: EarliestTimer;
  #closed = false;

  private constructor(options: SimHypervisorOptions, store: SimVMStore) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock();
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? (() => undefined);
    this.#faults = validateFaults(options.faults ?? {});
    this.profile = resolveLatencyProfile(options.profile ?? 'default');
    this.#timer = new EarliestTimer(this.#clock, () =>
      this.#closed ? undefined : this.settle().catch(this.#onError),
    );
    this.#ctx = {
      store,
      registry: options.registry,
      now: () => this.#clock.now(),
      random: this.#random,
    };
  }

  /** Open (or create) the hypervisor of a data directory and catch up on lost time. */
  static async open(options: SimHypervisorOptions): Promise<SimHypervisor> {
    const dir = join(options.dataDir, 'sim');
    mkdirSync(dir, { recursive: true });
    const hv = new SimHypervisor(options, new SimVMStore(join(dir, 'hypervisor.db')));
    await hv.#exclusive(async () => {
      await hv.#settle();
      await hv.#store.transaction(() => lifecycle.resyncRegistry(hv.#ctx));
    });
    return hv;
  }

  /** The hypervisor's clock (epoch milliseconds). */
  now(): number {
    return this.#clock.now();
  }

  get faults(): SimFaults {
    return this.#faults;
  }

  setFaults(faults: SimFaults): void {
    this.#faults = validateFaults(faults);
  }

  /**
   * Find the VM with this identity or create it; start it if it is stopped, or with
   * `powerState: 'Off'` stop it if it runs (one being created finishes first). Never
   * creates a second VM for one identity, even across restarts and processes.
   */
  ensureVM(spec: SimVMSpec): Promise<SimVM> {
    return this.#operation(async () => {
      let vm = this.#store.find(spec);
      if (!vm) {
        checkCreateFault(this.#faults, spec, this.#random);
        vm = this.#create(spec);
      } else if (spec.powerState === 'Off') {
        if (vm.power === 'running' || vm.power === 'starting') {
          vm = await lifecycle.shutDownVM(this.#ctx, vm);
        }
      } else if (vm.power === 'stopped') {
        vm = { ...vm, power: 'starting', next: this.#after(vm.profile, 'vmStart', 'started') };
        this.#store.save(vm);
      } else if (lifecycle.retriesJoin(vm)) {
        vm = await lifecycle.rejoinVM(this.#ctx, vm);
      }
      await this.#settle();
      return this.#store.get(vm.vmid) ?? vm;
    });
  }

  /** The VM with this identity, after completing what is due; never changes anything else. */
  findVM(identity: SimVMIdentity): Promise<SimVM | undefined> {
    return this.#exclusive(async () => {
      await this.#settle();
      return this.#store.find(identity);
    });
  }

  /** Start deleting the VM (idempotent); returns it while it still exists. */
  deleteVM(identity: SimVMIdentity): Promise<SimVM | undefined> {
    return this.#operation(async () => {
      const vm = this.#store.find(identity);
      if (!vm) return undefined;
      if (vm.power !== 'deleting') {
        await lifecycle.setOwnNodeReady(this.#ctx, vm, false);
        const deleting: SimVM = {
          ...vm,
          power: 'deleting',
          next: this.#after(vm.profile, 'vmDeletion', 'deleted'),
        };
        this.#store.save(deleting);
      }
      await this.#settle();
      return this.#store.get(vm.vmid);
    });
  }

  /** Every VM on the simulated hypervisor, optionally filtered (a plain read). */
  listVMs(filter?: SimVMFilter): SimVM[] {
    this.#assertOpen();
    return this.#store.list(filter);
  }

  /** Fault: the VM powers off behind Slipway's back; its node goes NotReady. */
  stopVM(vmid: number): Promise<void> {
    return this.#mutate(vmid, (vm) => vmFaults.powerOffVM(this.#ctx, vm));
  }

  /** Fault: the VM is deleted behind Slipway's back, at once; its node leaves the cluster. */
  vanishVM(vmid: number): Promise<void> {
    return this.#mutate(vmid, (vm) => lifecycle.destroyVM(this.#ctx, vm));
  }

  /** Fault: the VM breaks beyond repair (state Failed with this reason and message). */
  failVM(vmid: number, reason: string, message: string): Promise<void> {
    return this.#mutate(vmid, (vm) => vmFaults.breakVM(this.#ctx, vm, { reason, message }));
  }

  /** Fault: the VM runs but its node reports NotReady until the VM restarts. */
  setNodeNotReady(vmid: number): Promise<void> {
    return this.#mutate(vmid, (vm) => vmFaults.markNodeNotReady(this.#ctx, vm));
  }

  /** Undo setNodeNotReady without a restart. */
  recoverNode(vmid: number): Promise<void> {
    return this.#mutate(vmid, (vm) => vmFaults.healNode(this.#ctx, vm));
  }

  /** Complete every transition that is due now. */
  settle(): Promise<void> {
    return this.#exclusive(() => this.#settle());
  }

  /** Stop the timer, wait for the running operation, close the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer.cancel();
    await this.#tail;
    this.#store.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the sim hypervisor is closed');
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /**
   * One operation: complete what is due, then run `fn` and complete what it made due,
   * its writes in one transaction.
   */
  #operation<T>(fn: () => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#settle();
      return this.#store.transaction(fn);
    });
  }

  #mutate(vmid: number, fn: (vm: SimVM) => Promise<void>): Promise<void> {
    return this.#operation(async () => {
      const vm = this.#store.get(vmid);
      if (!vm) throw new Error(`sim VM ${vmid} does not exist`);
      await fn(vm);
      await this.#settle();
    });
  }

  /** The transition `event`, due once `stage` has taken its (jittered) time from now. */
  #after(profile: LatencyProfile, stage: SimStage, event: SimVMEvent): NonNullable<SimVM['next']> {
    return { event, at: this.#clock.now() + stageDelay(profile, stage, this.#random) };
  }

  #create(spec: SimVMSpec): SimVM {
    const profile = spec.profile ?? this.profile;
    const now = this.#clock.now();
    const staticAddress = staticAddressFrom(spec.bootstrap.networkConfig);
    const { vm } = this.#store.findOrCreate(
      {
        namespace: spec.namespace,
        clusterName: spec.clusterName,
        machineName: spec.machineName,
        machineUID: spec.machineUID,
        role: spec.role,
        power: 'provisioning',
        createdAt: now,
        profile,
        next: this.#after(profile, 'vmProvisioning', 'provisioned'),
        ...(staticAddress ? { staticAddress } : {}),
      },
      spec.bootstrap,
      simAddressFor,
    );
    return vm;
  }

  async #settle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      const due = this.#store.due(this.#clock.now(), 1_000);
      if (due.length === 0) break;
      await this.#store.transaction(() => this.#complete(due));
    }
    // One timer, for the earliest scheduled transition: nodes get Ready unpolled.
    if (!this.#closed) this.#timer.arm(this.#store.nextDue());
  }

  /** Complete the transitions of these VMs; one that fails is retried a little later. */
  async #complete(due: readonly SimVM[]): Promise<void> {
    for (const stale of due) {
      const vm = this.#store.get(stale.vmid);
      if (!vm?.next || vm.next.at > this.#clock.now()) continue;
      try {
        await lifecycle.completeTransition(this.#ctx, vm);
      } catch (err: unknown) {
        this.#onError(err);
        const current = this.#store.get(vm.vmid);
        if (current?.next) {
          const at = this.#clock.now() + transitionRetryMs;
          this.#store.save({ ...current, next: { ...current.next, at } });
        }
      }
    }
  }
}

/**
 * Open the simulated hypervisor of a data directory (one per process).
 *
 * @example
 *   const registry = openSimClusterRegistry({ dataDir }); // child-api
 *   const hypervisor = await openSimHypervisor({ dataDir, registry, profile: 'fast' });
 *   const sim = createSimProvider(hypervisor);
 *   // fault injection, e.g. in an end-to-end test:
 *   const [vm] = hypervisor.listVMs({ namespace: 'team-a', machineName: 'demo-md-abcde' });
 *   if (vm) await hypervisor.vanishVM(vm.vmid);
 */
export function openSimHypervisor(options: SimHypervisorOptions): Promise<SimHypervisor> {
  return SimHypervisor.open(options);
}
