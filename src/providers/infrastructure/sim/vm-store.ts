// The simulated hypervisor's disk: one SQLite file (node:sqlite) in the data directory,
// the single source of truth for simulated VMs. Nothing about a VM lives only in
// memory, so a restarted server, or a test in another process, sees the same VMs.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { LatencyProfile } from './latency.ts';
import type { SimBootOutcome } from './node-boot.ts';

/** What identifies a VM as belonging to one Machine object (its "tags"). */
export interface SimVMIdentity {
  namespace: string;
  clusterName: string;
  machineName: string;
  machineUID: string;
}

export type SimVMPower =
  'provisioning' | 'starting' | 'running' | 'stopped' | 'deleting' | 'failed';

/** A transition that completes on its own once its time has come. */
export type SimVMEvent = 'provisioned' | 'started' | 'componentsReady' | 'deleted';

export interface SimVM extends SimVMIdentity {
  vmid: number;
  role: 'control-plane' | 'worker';
  power: SimVMPower;
  /** Epoch milliseconds, from the hypervisor's clock. */
  createdAt: number;
  /** InternalIP: the static address from network-config, else a simulated DHCP lease. */
  address: string;
  /** Latencies this VM was created with (kept, so a restart does not change them). */
  profile: LatencyProfile;
  next?: { event: SimVMEvent; at: number };
  /** The last boot's outcome, and whether the node has been marked Ready since. */
  boot?: SimBootOutcome & { nodeReady: boolean };
  /** Injected: the node stays NotReady until the VM restarts. */
  nodeFault?: boolean;
  failure?: { reason: string; message: string };
}

export interface SimBootData {
  userData: string;
  metaData: string;
  networkConfig?: string;
}

export type NewSimVM = Omit<SimVM, 'vmid' | 'address'> & { staticAddress?: string };

const schema = `
CREATE TABLE IF NOT EXISTS vms (
  vmid INTEGER PRIMARY KEY AUTOINCREMENT,
  namespace TEXT NOT NULL,
  cluster TEXT NOT NULL,
  machine TEXT NOT NULL,
  uid TEXT NOT NULL,
  boot_cluster TEXT,
  due_at INTEGER,
  body TEXT NOT NULL,
  user_data TEXT NOT NULL,
  meta_data TEXT NOT NULL,
  network_config TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS vms_by_identity ON vms (namespace, cluster, machine, uid);
CREATE INDEX IF NOT EXISTS vms_by_due ON vms (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS vms_by_boot_cluster ON vms (boot_cluster);
`;

function toVM(row: Record<string, unknown>): SimVM {
  return { ...(JSON.parse(String(row['body'])) as SimVM), vmid: Number(row['vmid']) };
}

export interface SimVMFilter {
  namespace?: string;
  clusterName?: string;
  machineName?: string;
}

export class SimVMStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  /**
   * No transition this process knows of falls due before this time (undefined: none;
   * null: unknown, ask the database). It saves the "what is due" query on every
   * operation. Writes of other processes do not lower it: their own timers serve them.
   */
  #dueHint: number | undefined | null = null;

  constructor(path: string) {
    this.#db = new DatabaseSync(path, { timeout: 5_000 });
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL');
    this.#db.exec(schema);
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #all(sql: string, ...params: SQLInputValue[]): SimVM[] {
    return this.#stmt(sql)
      .all(...params)
      .map((r) => toVM(r));
  }

  find(id: SimVMIdentity): SimVM | undefined {
    const row = this.#stmt(
      'SELECT vmid, body FROM vms WHERE namespace = ? AND cluster = ? AND machine = ? AND uid = ?',
    ).get(id.namespace, id.clusterName, id.machineName, id.machineUID);
    return row ? toVM(row) : undefined;
  }

  get(vmid: number): SimVM | undefined {
    const row = this.#stmt('SELECT vmid, body FROM vms WHERE vmid = ?').get(vmid);
    return row ? toVM(row) : undefined;
  }

  /**
   * Run `fn` in one write transaction (joining the current one, if any): the writes of
   * one operation, or of one round of transitions, commit together. Registry effects
   * made inside are not rolled back on failure; they are all safe to repeat.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#db.isTransaction) return fn();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err: unknown) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      this.#dueHint = null;
      throw err;
    }
  }

  /**
   * Find the VM with this identity or create it, inside a write transaction: two
   * callers, even in two processes, can never both create one.
   */
  findOrCreate(
    vm: NewSimVM,
    boot: SimBootData,
    addressOf: (vmid: number) => string,
  ): { vm: SimVM; created: boolean } {
    if (this.#db.isTransaction) return this.#findOrCreate(vm, boot, addressOf);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = this.#findOrCreate(vm, boot, addressOf);
      this.#db.exec('COMMIT');
      return result;
    } catch (err: unknown) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  #findOrCreate(
    vm: NewSimVM,
    boot: SimBootData,
    addressOf: (vmid: number) => string,
  ): { vm: SimVM; created: boolean } {
    const existing = this.find(vm);
    if (existing) return { vm: existing, created: false };
    const inserted = this.#stmt(
      `INSERT INTO vms (namespace, cluster, machine, uid, body, user_data, meta_data, network_config)
       VALUES (?, ?, ?, ?, '{}', ?, ?, ?)`,
    ).run(
      vm.namespace,
      vm.clusterName,
      vm.machineName,
      vm.machineUID,
      boot.userData,
      boot.metaData,
      boot.networkConfig ?? null,
    );
    const vmid = Number(inserted.lastInsertRowid);
    const { staticAddress, ...rest } = vm;
    const created: SimVM = { ...rest, vmid, address: staticAddress ?? addressOf(vmid) };
    this.save(created);
    return { vm: created, created: true };
  }

  save(vm: SimVM): void {
    if (vm.next && this.#dueHint !== null) {
      this.#dueHint = Math.min(this.#dueHint ?? Infinity, vm.next.at);
    }
    this.#stmt('UPDATE vms SET body = ?, due_at = ?, boot_cluster = ? WHERE vmid = ?').run(
      JSON.stringify(vm),
      vm.next?.at ?? null,
      vm.boot?.clusterId ?? null,
      vm.vmid,
    );
  }

  remove(vmid: number): void {
    this.#stmt('DELETE FROM vms WHERE vmid = ?').run(vmid);
  }

  bootData(vmid: number): SimBootData | undefined {
    const row = this.#stmt(
      'SELECT user_data, meta_data, network_config FROM vms WHERE vmid = ?',
    ).get(vmid);
    if (!row) return undefined;
    const data: SimBootData = {
      userData: String(row['user_data']),
      metaData: String(row['meta_data']),
    };
    if (typeof row['network_config'] === 'string') data.networkConfig = row['network_config'];
    return data;
  }

  /** VMs whose next transition is due at `now`, earliest first. */
  due(now: number, limit: number): SimVM[] {
    if (this.#dueHint !== null && (this.#dueHint === undefined || this.#dueHint > now)) return [];
    const due = this.#all(
      'SELECT vmid, body FROM vms WHERE due_at <= ? ORDER BY due_at, vmid LIMIT ?',
      now,
      limit,
    );
    if (due.length === 0) this.#refreshDueHint();
    return due;
  }

  /** The earliest scheduled transition (possibly earlier than the real one: never later). */
  nextDue(): number | undefined {
    return this.#dueHint === null ? this.#refreshDueHint() : this.#dueHint;
  }

  #refreshDueHint(): number | undefined {
    const row = this.#stmt('SELECT MIN(due_at) AS at FROM vms WHERE due_at IS NOT NULL').get();
    this.#dueHint = row && typeof row['at'] === 'number' ? row['at'] : undefined;
    return this.#dueHint;
  }

  /** VMs whose K3s named this simulated cluster. */
  byBootCluster(clusterId: string): SimVM[] {
    return this.#all('SELECT vmid, body FROM vms WHERE boot_cluster = ? ORDER BY vmid', clusterId);
  }

  list(filter: SimVMFilter = {}): SimVM[] {
    return this.#all(
      `SELECT vmid, body FROM vms WHERE (?1 IS NULL OR namespace = ?1)
         AND (?2 IS NULL OR cluster = ?2) AND (?3 IS NULL OR machine = ?3) ORDER BY vmid`,
      filter.namespace ?? null,
      filter.clusterName ?? null,
      filter.machineName ?? null,
    );
  }

  close(): void {
    this.#db.close();
  }
}
