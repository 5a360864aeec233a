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
   * Find the VM with this identity or create it, in one write transaction: two callers,
   * even in two processes, can never both create one.
   */
  findOrCreate(
    vm: NewSimVM,
    boot: SimBootData,
    addressOf: (vmid: number) => string,
  ): { vm: SimVM; created: boolean } {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const existing = this.find(vm);
      if (existing) {
        this.#db.exec('COMMIT');
        return { vm: existing, created: false };
      }
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
      this.#db.exec('COMMIT');
      return { vm: created, created: true };
    } catch (err: unknown) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  save(vm: SimVM): void {
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
    return this.#all(
      'SELECT vmid, body FROM vms WHERE due_at <= ? ORDER BY due_at, vmid LIMIT ?',
      now,
      limit,
    );
  }

  nextDue(): number | undefined {
    const row = this.#stmt('SELECT MIN(due_at) AS at FROM vms WHERE due_at IS NOT NULL').get();
    return row && typeof row['at'] === 'number' ? row['at'] : undefined;
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
