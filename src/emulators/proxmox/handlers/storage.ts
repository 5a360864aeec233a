// Storages and their content: listing, status, ISO upload (multipart, task imgcopy) and
// volume deletion (task imgdel), with pve-storage's checks and messages.
import { createHash, randomBytes } from 'node:crypto';
import {
  optInt,
  optString,
  requireNode,
  requireString,
  type Handler,
  type HandlerContext,
} from '../core.ts';
import { parameterError, PveError, serverError, TaskFailure } from '../errors.ts';
import { mayAny, requirePrivileges } from '../permission-check.ts';
import { isFileStorage, volid, type StorageDef, type Volume } from '../state.ts';
import { sleep } from '../tasks.ts';

/** PVE::Storage::storage_check_enabled. */
export function storageOnNode(ctx: HandlerContext, id: string, node: string): StorageDef {
  const storage = ctx.core.state.storages.get(id);
  if (!storage) throw serverError(`storage '${id}' does not exist`);
  if (!storage.nodes.includes(node))
    throw serverError(`storage '${id}' is not available on node '${node}'`);
  return storage;
}

function mountPath(storage: StorageDef): string {
  if (storage.id === 'local') return '/var/lib/vz';
  return storage.type === 'dir' ? `/mnt/data/${storage.id}` : `/mnt/pve/${storage.id}`;
}

/** The file or device path PVE reports for a volume. */
export function volumePath(
  storage: StorageDef,
  volume: Pick<Volume, 'volname' | 'content'>,
): string {
  if (!isFileStorage(storage)) return `/dev/pve/${volume.volname.split('/').pop() ?? ''}`;
  if (volume.content === 'iso') return `${mountPath(storage)}/template/${volume.volname}`;
  return `${mountPath(storage)}/images/${volume.volname.split('/').slice(-2).join('/')}`;
}

function storageStatus(
  ctx: HandlerContext,
  storage: StorageDef,
  node: string,
): Record<string, unknown> {
  const used = ctx.core.state.usedBytes(storage.id, node);
  return {
    storage: storage.id,
    type: storage.type,
    content: storage.content.join(','),
    shared: storage.shared ? 1 : 0,
    active: 1,
    enabled: 1,
    total: storage.totalBytes,
    used,
    avail: storage.totalBytes - used,
    used_fraction: used / storage.totalBytes,
  };
}

const list: Handler = (ctx) => {
  const node = requireNode(ctx);
  const content = optString(ctx, 'content')
    ?.split(/[,;\s]+/)
    .filter(Boolean);
  const only = optString(ctx, 'storage');
  const target = optString(ctx, 'target');
  return [...ctx.core.state.storages.values()]
    .filter((s) => s.nodes.includes(node))
    .filter((s) => only === undefined || s.id === only)
    .filter((s) => target === undefined || s.nodes.includes(target))
    .filter((s) => !content || content.some((c) => s.content.includes(c)))
    .filter((s) =>
      mayAny(ctx.caller, `/storage/${s.id}`, ['Datastore.Audit', 'Datastore.AllocateSpace']),
    )
    .map((s) => storageStatus(ctx, s, node));
};

const status: Handler = (ctx) => {
  const node = requireNode(ctx);
  const { storage: _id, ...rest } = storageStatus(
    ctx,
    storageOnNode(ctx, requireString(ctx, 'storage'), node),
    node,
  );
  return rest;
};

function contentItem(volume: Volume): Record<string, unknown> {
  const item: Record<string, unknown> = {
    volid: volid(volume),
    content: volume.content,
    format: volume.content === 'iso' ? 'iso' : volume.format,
    size: volume.size,
    ctime: volume.ctime,
  };
  if (volume.content === 'images') item['used'] = 0;
  if (volume.vmid !== undefined) item['vmid'] = volume.vmid;
  if (volume.parent !== undefined) item['parent'] = volume.parent;
  return item;
}

const content: Handler = (ctx) => {
  const node = requireNode(ctx);
  const storage = storageOnNode(ctx, requireString(ctx, 'storage'), node);
  const type = optString(ctx, 'content');
  const vmid = optInt(ctx, 'vmid');
  return ctx.core.state
    .volumesOn(storage.id, node)
    .filter((v) => type === undefined || v.content === type)
    .filter((v) => vmid === undefined || v.vmid === vmid)
    .sort((a, b) => a.volname.localeCompare(b.volname))
    .map(contentItem);
};

/** `{volume}` is a full volume id, or a volume name with `storage`. */
function volumeParam(ctx: HandlerContext): { storage: string; volname: string } {
  const volume = requireString(ctx, 'volume');
  const colon = volume.indexOf(':');
  if (colon > 0) return { storage: volume.slice(0, colon), volname: volume.slice(colon + 1) };
  const storage = optString(ctx, 'storage');
  if (storage === undefined)
    throw parameterError({ storage: 'property is missing and it is not optional' });
  return { storage, volname: volume };
}

const volumeInfo: Handler = (ctx) => {
  const node = requireNode(ctx);
  const { storage: id, volname } = volumeParam(ctx);
  const storage = storageOnNode(ctx, id, node);
  requirePrivileges(ctx.caller, `/storage/${id}`, ['Datastore.Audit']);
  const volume = ctx.core.state.findVolume(`${id}:${volname}`, node);
  if (!volume) throw serverError(`volume '${id}:${volname}' does not exist`);
  return {
    path: volumePath(storage, volume),
    size: volume.size,
    used: volume.size,
    format: contentItem(volume)['format'],
  };
};

const deleteVolume: Handler = async (ctx) => {
  const node = requireNode(ctx);
  const { storage: id, volname } = volumeParam(ctx);
  const storage = storageOnNode(ctx, id, node);
  requirePrivileges(ctx.caller, `/storage/${id}`, ['Datastore.Allocate']);
  const volume = ctx.core.state.findVolume(`${id}:${volname}`, node);
  const owner = volume?.vmid;
  if (owner !== undefined && ctx.core.state.vms.has(owner) && volume?.content === 'images') {
    throw serverError(`unable to delete volume '${id}:${volname}' - it is used by VM ${owner}`);
  }
  const upid = ctx.core.tasks.start(
    {
      node,
      type: 'imgdel',
      id: owner !== undefined ? `${owner}@${id}` : id,
      user: ctx.caller.userid,
    },
    async (task) => {
      await sleep(ctx.core.options.timing.taskMs);
      const current = ctx.core.state.findVolume(`${id}:${volname}`, node);
      if (current) ctx.core.state.removeVolume(current);
      else
        task.warn(
          `disk image '${volumePath(storage, { volname, content: volname.startsWith('iso/') ? 'iso' : 'images' })}' does not exist`,
        );
      task.log(`Removed volume '${id}:${volname}'`);
    },
  );
  const delay = optInt(ctx, 'delay');
  if (delay !== undefined && delay > 0) {
    // PVE waits up to `delay` seconds and answers null when the task finished OK by then.
    const task = ctx.core.tasks.get(upid);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      task?.done,
      new Promise((resolve) => (timer = setTimeout(resolve, delay * 1000))),
    ]);
    clearTimeout(timer);
    if (task?.status === 'stopped' && task.exitstatus === 'OK') return null;
  }
  return upid;
};

/** PVE::Storage::normalize_content_filename. */
export function normalizeFilename(name: string): string {
  return name.replace(/^.*[/\\]/, '').replace(/[^a-zA-Z0-9_.-]/g, '_');
}

const upload: Handler = (ctx) => {
  const node = requireNode(ctx);
  const storage = storageOnNode(ctx, requireString(ctx, 'storage'), node);
  const file = ctx.upload;
  if (!file) throw new PveError(501, 'upload failed');
  if (!isFileStorage(storage)) throw serverError(`can't upload to storage type '${storage.type}'`);
  const type = requireString(ctx, 'content');
  const filename = normalizeFilename(requireString(ctx, 'filename'));
  if (type === 'iso' && !/[^/]+\.(iso|img)$/i.test(filename))
    throw parameterError({ filename: 'wrong file extension' });
  if (type === 'vztmpl' && !/[^/]+\.tar\.(gz|xz|zst|bz2)$/.test(filename))
    throw parameterError({ filename: 'wrong file extension' });
  if (type !== 'iso' && type !== 'vztmpl')
    throw parameterError({ content: `upload content type '${type}' not allowed` });
  if (!storage.content.includes(type))
    throw serverError(`storage '${storage.id}' does not support '${type}' content`);
  const checksum = optString(ctx, 'checksum');
  const algorithm = optString(ctx, 'checksum-algorithm');
  const volname = `${type === 'iso' ? 'iso' : 'vztmpl'}/${filename}`;
  const dest = volumePath(storage, { volname, content: 'iso' });
  const tmp = `/var/tmp/pveupload-${randomBytes(16).toString('hex')}`;
  return ctx.core.tasks.start(
    { node, type: 'imgcopy', id: '', user: ctx.caller.userid },
    async (task) => {
      task.log(`starting file import from: ${tmp}`);
      if (checksum !== undefined && algorithm !== undefined) {
        const got = createHash(algorithm).update(file.data).digest('hex');
        if (got.toLowerCase() !== checksum.toLowerCase()) {
          task.log('calculating checksum...');
          throw new TaskFailure(`checksum mismatch: got '${got}' != expect '${checksum}'`);
        }
        task.log('calculating checksum...OK, checksum verified');
      }
      task.log(`target node: ${node}`);
      task.log(`target file: ${dest}`);
      task.log(`file size is: ${file.data.length}`);
      task.log(`command: cp -- ${tmp} ${dest}`);
      await sleep(ctx.core.options.timing.taskMs);
      const volume: Volume = {
        storage: storage.id,
        volname,
        content: 'iso',
        format: 'iso',
        size: file.data.length,
        data: file.data,
        ctime: Math.floor(Date.now() / 1000),
      };
      if (!storage.shared) volume.node = node;
      ctx.core.state.addVolume(volume);
      task.log('finished file import successfully');
    },
  );
};

export const storageRoutes: [string, Handler][] = [
  ['GET /nodes/{node}/storage', list],
  ['GET /nodes/{node}/storage/{storage}/status', status],
  ['GET /nodes/{node}/storage/{storage}/content', content],
  ['GET /nodes/{node}/storage/{storage}/content/{volume}', volumeInfo],
  ['DELETE /nodes/{node}/storage/{storage}/content/{volume}', deleteVolume],
  ['POST /nodes/{node}/storage/{storage}/upload', upload],
];
