// The disk part of a clone (PVE::QemuServer::clone_disk): a linked clone makes a thin
// child of the template's base image on the same storage, a full clone allocates a new
// volume and copies. Both take the storage's lock while they allocate; a clone waiting
// for it longer than lockWaitMs fails as PVE's does.
import type { HandlerContext } from '../core.ts';
import { formatSize, printPropertyString, withProperty, type Drive } from '../config-format.ts';
import { storageLock } from '../locks.ts';
import { isFileStorage, volid, type StorageDef, type Volume } from '../state.ts';
import { sleep, type TaskLog } from '../tasks.ts';
import { volumePath } from './storage.ts';

export interface DiskCloneRequest {
  ctx: HandlerContext;
  task: TaskLog;
  /** The node the clone runs on (where the source's config is). */
  node: string;
  newid: number;
  key: string;
  drive: Drive;
  source: Volume;
  full: boolean;
  /** Target storage and format of a full clone. */
  storage?: StorageDef;
  format?: string;
  /** Volumes made so far, removed again if the clone fails. */
  created: Volume[];
}

const gib = 1024 ** 3;

function human(bytes: number): string {
  return bytes >= gib ? `${(bytes / gib).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** Hold the storage's lock for `storageLockMs` while `allocate` runs. */
async function withStorageLock<T>(
  req: DiskCloneRequest,
  storage: StorageDef,
  allocate: () => T,
): Promise<T> {
  const { ctx, task } = req;
  let waited = false;
  let retries: NodeJS.Timeout | undefined;
  // lock_file prints "trying to acquire lock..." once, then " OK"; a pmxcfs lock prints
  // its line again every second it waits.
  const waitLine = storage.shared
    ? `trying to acquire cfs lock 'storage-${storage.id}' ...`
    : 'trying to acquire lock...';
  const lock = storageLock(storage.id, storage.shared, req.node);
  const release = await ctx.core.locks
    .acquire(lock.key, 'exclusive', {
      timeoutMessage: lock.timeoutMessage,
      timeoutMs: ctx.core.options.timing.lockWaitMs,
      signal: task.signal,
      onWait: () => {
        waited = true;
        task.log(waitLine);
        if (storage.shared) retries = setInterval(() => task.log(waitLine), 1000);
      },
    })
    .finally(() => clearInterval(retries));
  if (waited && !storage.shared) task.amend(' OK');
  try {
    await sleep(ctx.core.options.faults.storageLockMs, task.signal);
    return allocate();
  } finally {
    release();
  }
}

/** Clone one disk; returns the new drive value for the clone's config. */
export async function cloneDisk(req: DiskCloneRequest): Promise<string> {
  const { ctx, task, source, drive } = req;
  const { state } = ctx.core;
  const sourceStorage = state.storages.get(source.storage);
  if (!sourceStorage) throw new Error(`storage '${source.storage}' does not exist`);
  const target = req.full ? (req.storage ?? sourceStorage) : sourceStorage;
  const format = isFileStorage(target)
    ? req.full
      ? (req.format ?? source.format)
      : 'qcow2'
    : 'raw';
  task.log(`create ${req.full ? 'full' : 'linked'} clone of drive ${req.key} (${drive.file})`);
  const volume = await withStorageLock(req, target, () => {
    const base = state.freeDiskName(target, req.node, req.newid, format);
    // A linked clone's volume name says which base image backs it.
    const name = req.full ? base : `${source.volname}/${base}`;
    const created: Volume = {
      storage: target.id,
      volname: name,
      content: 'images',
      format,
      size: source.size,
      vmid: req.newid,
      ctime: Math.floor(Date.now() / 1000),
      ...(target.shared ? {} : { node: req.node }),
      ...(req.full ? {} : { parent: volid(source) }),
    };
    state.addVolume(created);
    req.created.push(created);
    return created;
  });
  if (target.type === 'lvmthin') {
    task.log(`  Logical volume "${volume.volname.split('/').pop() ?? ''}" created.`);
  } else if (!req.full) {
    const backing = source.volname.split('/').pop() ?? '';
    task.log(
      `Formatting '${volumePath(target, volume)}', fmt=qcow2 size=${volume.size} backing_file=../${source.vmid ?? ''}/${backing} backing_fmt=${source.format}`,
    );
  } else {
    task.log(
      `Formatting '${volumePath(target, volume)}', fmt=${format} size=${volume.size} preallocation=metadata`,
    );
  }
  const cloneMs = ctx.core.options.timing.cloneMs;
  if (req.full) {
    for (const share of [0, 0.5, 1]) {
      await sleep(cloneMs / 3, task.signal);
      task.log(
        `transferred ${human(volume.size * share)} of ${human(volume.size)} (${(share * 100).toFixed(2)}%)`,
      );
    }
  } else {
    await sleep(cloneMs, task.signal);
  }
  if (ctx.core.random() < ctx.core.options.faults.taskFailureRate) {
    throw new Error(
      req.full
        ? `copy failed: command '/usr/bin/qemu-img convert -p -n -f ${source.format} -O ${format} ${volumePath(sourceStorage, source)} ${volumePath(target, volume)}' failed: exit code 1`
        : `lvcreate 'pve/${volume.volname.split('/').pop() ?? ''}' error:   Cannot create new thin volume, free space in thin pool pve/data reached threshold.`,
    );
  }
  const kept = drive.items.filter(
    ([k]) => k !== '' && k !== 'file' && k !== 'size' && k !== 'format',
  );
  return printPropertyString(
    withProperty([['', volid(volume)], ...kept], 'size', formatSize(volume.size)),
  );
}
