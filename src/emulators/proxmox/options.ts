// What an emulator simulates and how fast: nodes, storages, templates, who may log in,
// timings and injected faults. Defaults describe a small three-node cluster with a
// shared NFS-like storage, node-local LVM-thin and `local`, and a template ready to clone.
import { randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { checkPrivilegesOption, type Privileges } from './privileges.ts';

export interface EmulatorNodeSpec {
  name: string;
  memoryMiB: number;
  cpus: number;
}

/** Storage types the emulator knows: dir and nfs are file-based, lvmthin is block-based. */
export type StorageType = 'dir' | 'nfs' | 'lvmthin';

export interface EmulatorStorageSpec {
  id: string;
  type: StorageType;
  /** Content types, e.g. ['images', 'iso']. */
  content: string[];
  /** One storage seen by every node (nfs), or one per node (dir, lvmthin). */
  shared: boolean;
  /** Nodes it is configured on (default: all). */
  nodes?: string[];
  totalGiB?: number;
}

export interface EmulatorTemplateSpec {
  vmid: number;
  name: string;
  /** Node whose config directory holds the template. */
  node: string;
  /** Storage of its disk. */
  storage: string;
  tags?: string[];
  diskGiB?: number;
  memoryMiB?: number;
  cores?: number;
  /** Guest agent enabled in the config (default true). */
  agent?: boolean;
}

export interface EmulatorToken {
  /** `user@realm!tokenid`. */
  tokenId: string;
  secret: string;
  privileges?: Privileges;
}

export interface EmulatorUser {
  /** `user@realm`; root@pam may do everything. */
  username: string;
  password: string;
  privileges?: Privileges;
}

export interface EmulatorTiming {
  /** How long a clone's disk copy takes (after the storage lock). */
  cloneMs: number;
  /** How long other tasks take (start, stop, destroy, config, upload, …). */
  taskMs: number;
  /** From a VM's start to its OS running cloud-init (and K3s). */
  bootMs: number;
  /** From boot to the guest agent answering. */
  agentMs: number;
  /** How long a task waits for a storage or VM config lock (PVE: 10 s). */
  lockWaitMs: number;
  /** How long a clone waits for the source's and new VM's config locks (PVE: 1 s). */
  cloneLockWaitMs: number;
  /** How long a 401 takes (PVE: 3 s). */
  authFailDelayMs: number;
  /** How often a K3s node that could not join retries. */
  joinRetryMs: number;
}

export interface ProxmoxFaults {
  /** Share of API calls answered 500, 503 or 595 before doing anything (0–1). */
  serverErrorRate: number;
  /** Extra delay before every answer. */
  slowResponseMs: number;
  /** Share of clone and start tasks that fail (a failed clone leaves no VM) (0–1). */
  taskFailureRate: number;
  /** How long a clone holds its storage's lock; others wait up to lockWaitMs. */
  storageLockMs: number;
}

export interface ProxmoxEmulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free one). */
  port?: number;
  nodes?: EmulatorNodeSpec[];
  storages?: EmulatorStorageSpec[];
  templates?: EmulatorTemplateSpec[];
  /** API tokens (default: one root@pam token with every privilege). */
  tokens?: EmulatorToken[];
  /** Users for ticket logins (POST /access/ticket). */
  users?: EmulatorUser[];
  timing?: Partial<EmulatorTiming>;
  faults?: Partial<ProxmoxFaults>;
  /** Where guests without a static address get one (`a.b.c.d-e.f.g.h` or a CIDR). */
  guestAddresses?: { dhcpRange?: string };
  /** Port K3s servers on the guests serve their API on (default 6443). */
  guestApiPort?: number;
  /** Directory for the simulated child clusters' state (default: a temporary one). */
  dataDir?: string;
  /** The PVE API schema file (default: found by the schema module). */
  schemaPath?: string;
  /** Requests kept in `requests` (default 10,000). */
  requestLogSize?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  nodes: EmulatorNodeSpec[];
  storages: EmulatorStorageSpec[];
  templates: EmulatorTemplateSpec[];
  tokens: EmulatorToken[];
  users: EmulatorUser[];
  timing: EmulatorTiming;
  faults: ProxmoxFaults;
  dhcpRange?: { first: number; last: number };
  guestApiPort: number;
  dataDir?: string;
  schemaPath?: string;
  requestLogSize: number;
}

export const defaultTiming: EmulatorTiming = {
  cloneMs: 300,
  taskMs: 50,
  bootMs: 300,
  agentMs: 200,
  lockWaitMs: 10_000,
  cloneLockWaitMs: 1_000,
  authFailDelayMs: 300,
  joinRetryMs: 500,
};

export const noFaults: ProxmoxFaults = {
  serverErrorRate: 0,
  slowResponseMs: 0,
  taskFailureRate: 0,
  storageLockMs: 20,
};

const defaultNodes: EmulatorNodeSpec[] = ['pve1', 'pve2', 'pve3'].map((name) => ({
  name,
  memoryMiB: 65_536,
  cpus: 16,
}));

const defaultStorages: EmulatorStorageSpec[] = [
  { id: 'local', type: 'dir', content: ['iso', 'vztmpl', 'backup'], shared: false, totalGiB: 100 },
  {
    id: 'local-lvm',
    type: 'lvmthin',
    content: ['images', 'rootdir'],
    shared: false,
    totalGiB: 500,
  },
  { id: 'shared', type: 'nfs', content: ['images', 'iso'], shared: true, totalGiB: 2048 },
];

function defaultTemplates(nodes: EmulatorNodeSpec[]): EmulatorTemplateSpec[] {
  const first = nodes[0]?.name ?? 'pve1';
  return [
    {
      vmid: 9000,
      name: 'ubuntu-2404-k3s',
      node: first,
      storage: 'shared',
      tags: ['slipway-template'],
    },
    ...nodes.map((node, i) => ({
      vmid: 9001 + i,
      name: `ubuntu-2404-k3s-${node.name}`,
      node: node.name,
      storage: 'local-lvm',
      tags: ['slipway-template'],
    })),
  ];
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** `a.b.c.d-e.f.g.h` or `a.b.c.d/p` (network and broadcast left out) as a range of ints. */
export function parseAddressRange(text: string): { first: number; last: number } {
  const dash = /^(\S+)-(\S+)$/.exec(text);
  if (dash && isIPv4(dash[1] ?? '') && isIPv4(dash[2] ?? '')) {
    const first = ipv4ToInt(dash[1] ?? '');
    const last = ipv4ToInt(dash[2] ?? '');
    if (first <= last) return { first, last };
  }
  const cidr = /^(\S+)\/(\d+)$/.exec(text);
  if (cidr && isIPv4(cidr[1] ?? '') && Number(cidr[2]) >= 8 && Number(cidr[2]) <= 30) {
    const size = 2 ** (32 - Number(cidr[2]));
    const network = ipv4ToInt(cidr[1] ?? '') - (ipv4ToInt(cidr[1] ?? '') % size);
    return { first: network + 1, last: network + size - 2 };
  }
  throw new Error(
    `guestAddresses.dhcpRange "${text}" is neither a.b.c.d-e.f.g.h nor an IPv4 CIDR (/8–/30)`,
  );
}

function duration(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= 0))
    throw new Error(`${name} must be a number of ms ≥ 0`);
}

function rate(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new Error(`faults.${name} must be between 0 and 1`);
  return value;
}

/** Fill in defaults and refuse options that cannot describe a cluster, naming the field. */
export function resolveOptions(options: ProxmoxEmulatorOptions = {}): ResolvedOptions {
  const nodes = options.nodes ?? defaultNodes;
  if (nodes.length === 0) throw new Error('nodes: at least one node is needed');
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const node of nodes) {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(node.name)) {
      throw new Error(`nodes: "${node.name}" is not a valid node name`);
    }
  }
  const storages = options.storages ?? defaultStorages;
  for (const s of storages) {
    for (const n of s.nodes ?? []) {
      if (!nodeNames.has(n)) throw new Error(`storages.${s.id}.nodes: no node "${n}"`);
    }
  }
  const templates = options.templates ?? defaultTemplates(nodes);
  for (const t of templates) {
    if (!nodeNames.has(t.node)) throw new Error(`templates.${t.vmid}.node: no node "${t.node}"`);
    if (!storages.some((s) => s.id === t.storage && s.content.includes('images'))) {
      throw new Error(`templates.${t.vmid}.storage: no storage "${t.storage}" for images`);
    }
  }
  const tokens = options.tokens ?? [{ tokenId: 'root@pam!slipway', secret: randomUUID() }];
  for (const t of tokens) {
    if (!/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/.test(t.tokenId)) {
      throw new Error(`tokens: "${t.tokenId}" is not user@realm!tokenid`);
    }
    checkPrivilegesOption(t.privileges ?? 'all', `tokens.${t.tokenId}.privileges`);
  }
  const users = options.users ?? [];
  for (const u of users) checkPrivilegesOption(u.privileges ?? 'all', `users.${u.username}`);
  const faults = { ...noFaults, ...options.faults };
  rate(faults.serverErrorRate, 'serverErrorRate');
  rate(faults.taskFailureRate, 'taskFailureRate');
  duration(faults.slowResponseMs, 'faults.slowResponseMs');
  duration(faults.storageLockMs, 'faults.storageLockMs');
  const timing = { ...defaultTiming, ...options.timing };
  for (const [name, value] of Object.entries(timing)) duration(value, `timing.${name}`);
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    nodes,
    storages,
    templates,
    tokens,
    users,
    timing,
    faults,
    guestApiPort: options.guestApiPort ?? 6443,
    requestLogSize: options.requestLogSize ?? 10_000,
  };
  if (options.guestAddresses?.dhcpRange) {
    resolved.dhcpRange = parseAddressRange(options.guestAddresses.dhcpRange);
  }
  if (options.dataDir !== undefined) resolved.dataDir = options.dataDir;
  if (options.schemaPath !== undefined) resolved.schemaPath = options.schemaPath;
  return resolved;
}
