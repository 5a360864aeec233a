// The simulated cluster's state, all in memory: nodes, storages with their volumes
// (disk images and ISO files; local storages hold one set per node), and VMs with their
// config maps. Handlers and tasks change it; nothing here waits or talks HTTP.
import { randomUUID } from 'node:crypto';
import { printNet, randomMac, type Nic } from './config-format.ts';
import type {
  EmulatorNodeSpec,
  EmulatorStorageSpec,
  EmulatorTemplateSpec,
  ResolvedOptions,
} from './options.ts';

export interface StorageDef extends EmulatorStorageSpec {
  /** Nodes the storage is configured on. */
  nodes: string[];
  totalBytes: number;
}

export interface Volume {
  storage: string;
  /** The node of a local storage's volume; undefined on shared storage. */
  node?: string;
  /** The part after `storage:` in the volume id. */
  volname: string;
  content: 'images' | 'iso';
  format: string;
  size: number;
  vmid?: number;
  /** Volume id of the base image a linked clone's disk is backed by. */
  parent?: string;
  /** The bytes of an uploaded ISO. */
  data?: Buffer;
  /** Unix seconds. */
  ctime: number;
}

export interface VmState {
  vmid: number;
  node: string;
  config: Map<string, string>;
  power: 'running' | 'stopped';
  /** Unix ms of the last start. */
  startedAt?: number;
  pid?: number;
  /** Bumped on every start and stop: work scheduled for an earlier run checks it. */
  generation: number;
}

const gib = 1024 ** 3;

export const volid = (v: Pick<Volume, 'storage' | 'volname'>) => `${v.storage}:${v.volname}`;

/** A file-based storage keeps images in `<vmid>/<name>.<fmt>`; LVM-thin has bare LV names. */
export function isFileStorage(storage: StorageDef): boolean {
  return storage.type !== 'lvmthin';
}

export class ClusterState {
  readonly nodes: Map<string, EmulatorNodeSpec>;
  readonly storages: Map<string, StorageDef>;
  readonly vms = new Map<number, VmState>();
  readonly #volumes = new Map<string, Volume>();

  constructor(options: ResolvedOptions) {
    this.nodes = new Map(options.nodes.map((n) => [n.name, n]));
    const allNodes = options.nodes.map((n) => n.name);
    this.storages = new Map(
      options.storages.map((s) => [
        s.id,
        { ...s, nodes: s.nodes ?? allNodes, totalBytes: (s.totalGiB ?? 500) * gib },
      ]),
    );
    for (const template of options.templates) this.#addTemplate(template);
  }

  /** The storage if it is configured on `node`. */
  storageOn(id: string, node: string): StorageDef | undefined {
    const storage = this.storages.get(id);
    return storage?.nodes.includes(node) ? storage : undefined;
  }

  #key(storage: string, node: string | undefined, volname: string): string {
    return `${storage}\0${node ?? ''}\0${volname}`;
  }

  /** The volume `storage:volname` as seen from `node`. */
  findVolume(id: string, node: string): Volume | undefined {
    const colon = id.indexOf(':');
    if (colon <= 0) return undefined;
    const storageId = id.slice(0, colon);
    const storage = this.storageOn(storageId, node);
    if (!storage) return undefined;
    const owner = storage.shared ? undefined : node;
    return this.#volumes.get(this.#key(storageId, owner, id.slice(colon + 1)));
  }

  addVolume(volume: Volume): void {
    this.#volumes.set(this.#key(volume.storage, volume.node, volume.volname), volume);
  }

  removeVolume(volume: Volume): void {
    this.#volumes.delete(this.#key(volume.storage, volume.node, volume.volname));
  }

  /** Volumes of a storage as `node` sees it. */
  volumesOn(storageId: string, node: string): Volume[] {
    const storage = this.storageOn(storageId, node);
    if (!storage) return [];
    const owner = storage.shared ? undefined : node;
    return [...this.#volumes.values()].filter((v) => v.storage === storageId && v.node === owner);
  }

  allVolumes(): Volume[] {
    return [...this.#volumes.values()];
  }

  usedBytes(storageId: string, node: string): number {
    return this.volumesOn(storageId, node).reduce((sum, v) => sum + v.size, 0);
  }

  /** A free disk name for `vmid` (PVE's find_free_diskname): vm-<vmid>-disk-<n>. */
  freeDiskName(storage: StorageDef, node: string, vmid: number, format: string): string {
    const taken = new Set(this.volumesOn(storage.id, node).map((v) => v.volname));
    for (let n = 0; ; n++) {
      const name = isFileStorage(storage)
        ? `${vmid}/vm-${vmid}-disk-${n}.${format}`
        : `vm-${vmid}-disk-${n}`;
      const clash = [...taken].some((t) => t === name || t.endsWith(`/${name}`));
      if (!clash) return name;
    }
  }

  /** The lowest VMID from 100 with no config (GET /cluster/nextid; nothing is reserved). */
  nextFreeVmid(): number {
    let id = 100;
    while (this.vms.has(id)) id++;
    return id;
  }

  #addTemplate(spec: EmulatorTemplateSpec): void {
    const storage = this.storages.get(spec.storage);
    if (!storage) return;
    const format = isFileStorage(storage) ? 'qcow2' : 'raw';
    const volname = isFileStorage(storage)
      ? `${spec.vmid}/base-${spec.vmid}-disk-0.${format}`
      : `base-${spec.vmid}-disk-0`;
    const size = (spec.diskGiB ?? 10) * gib;
    const volume: Volume = {
      storage: storage.id,
      volname,
      content: 'images',
      format,
      size,
      vmid: spec.vmid,
      ctime: Math.floor(Date.now() / 1000) - 86_400,
    };
    if (!storage.shared) volume.node = spec.node;
    this.addVolume(volume);
    const nic: Nic = { model: 'virtio', macaddr: randomMac(), items: [['bridge', 'vmbr0']] };
    const config = new Map<string, string>([
      ['agent', spec.agent === false ? '0' : '1'],
      ['boot', 'order=scsi0'],
      ['cores', String(spec.cores ?? 2)],
      ['cpu', 'x86-64-v2-AES'],
      ['memory', String(spec.memoryMiB ?? 2048)],
      ['meta', `creation-qemu=9.2.0,ctime=${volume.ctime}`],
      ['name', spec.name],
      ['net0', printNet(nic)],
      ['ostype', 'l26'],
      ['scsi0', `${spec.storage}:${volname},size=${spec.diskGiB ?? 10}G`],
      ['scsihw', 'virtio-scsi-single'],
      ['serial0', 'socket'],
      ['smbios1', `uuid=${randomUUID()}`],
      ['sockets', '1'],
      ['template', '1'],
      ['vga', 'serial0'],
      ['vmgenid', randomUUID()],
    ]);
    if (spec.tags && spec.tags.length > 0) config.set('tags', spec.tags.join(';'));
    this.vms.set(spec.vmid, {
      vmid: spec.vmid,
      node: spec.node,
      config,
      power: 'stopped',
      generation: 0,
    });
  }
}
