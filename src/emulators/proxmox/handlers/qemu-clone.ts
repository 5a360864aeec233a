// POST …/clone (qemu-server's clone_vm): the checks PVE makes before forking (and again
// in the worker, under the locks), the worker taking a shared lock on the source and an
// exclusive one on the new VMID (1 s each), a temporary `lock: clone` config, the disks,
// and on failure a clean-up that leaves no VM and no volume ("clone failed: …").
import { randomUUID } from 'node:crypto';
import { optBool, optString, requireInt, type Handler, type HandlerContext } from '../core.ts';
import {
  isCdrom,
  isDriveKey,
  parseDrive,
  parseNet,
  printNet,
  randomMac,
  splitVolid,
} from '../config-format.ts';
import { messageOf, parameterError, serverError } from '../errors.ts';
import { vmConfigLock, type Release } from '../locks.ts';
import { requirePrivileges } from '../permission-check.ts';
import type { StorageDef, Volume, VmState } from '../state.ts';
import { cloneDisk } from './clone-disks.ts';
import { storageOnNode } from './storage.ts';
import { assertUnlocked, isTemplate, vmOn } from './vm-view.ts';

interface ClonePlan {
  source: VmState;
  node: string;
  newid: number;
  target?: string;
  full: boolean;
  storage?: StorageDef;
  format?: string;
  /** Disk keys with their source volume. */
  disks: { key: string; volume: Volume }[];
}

/** $load_and_check: run before forking and again inside the worker. */
function loadAndCheck(ctx: HandlerContext): ClonePlan {
  const source = vmOn(ctx);
  const node = source.node;
  const newid = requireInt(ctx, 'newid');
  const pool = optString(ctx, 'pool');
  const snapname = optString(ctx, 'snapname');
  const format = optString(ctx, 'format');
  const storageId = optString(ctx, 'storage');
  let target = optString(ctx, 'target');
  if (target === node || target === 'localhost') target = undefined;
  const { state } = ctx.core;
  if (pool !== undefined) throw serverError(`pool '${pool}' does not exist`);
  if (target !== undefined && !state.nodes.has(target))
    throw serverError(`no such cluster node '${target}'`);
  let storage: StorageDef | undefined;
  if (storageId !== undefined) {
    storage = storageOnNode(ctx, storageId, node);
    if (!storage.content.includes('images')) {
      throw parameterError({ storage: `storage '${storageId}' does not support vm images` });
    }
    if (target !== undefined) {
      storageOnNode(ctx, storageId, target);
      if (!storage.shared) throw serverError(`can't clone to non-shared storage '${storageId}'`);
    }
  }
  assertUnlocked(source);
  if (snapname !== undefined) throw serverError(`snapshot '${snapname}' does not exist`);
  const full = optBool(ctx, 'full') ?? !isTemplate(source);
  if (storageId !== undefined && !full)
    throw serverError("parameter 'storage' not allowed for linked clones");
  if (format !== undefined && !full)
    throw serverError("parameter 'format' not allowed for linked clones");
  // check_storage_access_clone: space on every disk's storage; shared only if all are.
  let shared = true;
  const disks: ClonePlan['disks'] = [];
  for (const [key, value] of source.config) {
    if (!isDriveKey(key)) continue;
    const drive = parseDrive(value);
    const split = splitVolid(drive.file);
    if (!split) continue;
    if (!state.storages.get(split.storage)?.shared) shared = false;
    if (isCdrom(drive)) continue;
    requirePrivileges(ctx.caller, `/storage/${storageId ?? split.storage}`, [
      'Datastore.AllocateSpace',
    ]);
    const volume = state.findVolume(drive.file, node);
    if (!volume) throw serverError(`volume '${drive.file}' does not exist`);
    if (!full && !/(^|\/)base-\d+-disk-\d+/.test(volume.volname)) {
      throw serverError(`Linked clone feature is not supported for '${drive.file}' (${key})`);
    }
    disks.push({ key, volume });
  }
  for (const [key, value] of source.config) {
    const bridge = /^net\d+$/.test(key) ? parseNet(value).bridge : undefined;
    if (bridge !== undefined)
      requirePrivileges(ctx.caller, `/sdn/zones/localnetwork/${bridge}`, ['SDN.Use']);
  }
  if (target !== undefined && !shared)
    throw serverError(`can't clone VM to node '${target}' (VM uses local storage)`);
  if (state.vms.has(newid))
    throw serverError(`unable to create VM ${newid}: config file already exists`);
  return {
    source,
    node,
    newid,
    full,
    disks,
    ...(target !== undefined ? { target } : {}),
    ...(storage ? { storage } : {}),
    ...(format !== undefined ? { format } : {}),
  };
}

/** The clone's config: the source's without template, snapshot state and unused disks. */
function newConfig(ctx: HandlerContext, plan: ClonePlan): Map<string, string> {
  const config = new Map<string, string>();
  for (const [key, value] of plan.source.config) {
    if (
      /^(template|lock|parent|snaptime|vmstate|snapstate|runningcpu|runningmachine|running-nets-host-mtu|digest)$/.test(
        key,
      )
    )
      continue;
    if (/^unused\d+$/.test(key)) continue;
    if (isDriveKey(key) && !isCdrom(parseDrive(value)) && splitVolid(parseDrive(value).file))
      continue;
    if (/^net\d+$/.test(key))
      config.set(key, printNet({ ...parseNet(value), macaddr: randomMac() }));
    else config.set(key, value);
  }
  const smbios = (config.get('smbios1') ?? '')
    .split(',')
    .filter((i) => i !== '' && !i.startsWith('uuid='));
  config.set('smbios1', [`uuid=${randomUUID()}`, ...smbios].join(','));
  if (config.has('vmgenid')) config.set('vmgenid', randomUUID());
  config.set(
    'name',
    optString(ctx, 'name') ?? `Copy-of-VM-${plan.source.config.get('name') ?? plan.source.vmid}`,
  );
  const description = optString(ctx, 'description');
  if (description) config.set('description', description);
  return config;
}

const clone: Handler = (ctx) => {
  const early = loadAndCheck(ctx);
  const { core } = ctx;
  const lockWait = core.options.timing.cloneLockWaitMs;
  return core.tasks.start(
    { node: early.node, type: 'qmclone', id: String(early.source.vmid), user: ctx.caller.userid },
    async (task) => {
      const releases: Release[] = [];
      try {
        const sourceMode = early.source.power === 'running' ? 'exclusive' : 'shared';
        // Both lock files are on the node the clone runs on.
        const sourceLock = vmConfigLock(early.node, early.source.vmid);
        const newLock = vmConfigLock(early.node, early.newid);
        releases.push(
          await core.locks.acquire(sourceLock.key, sourceMode, {
            timeoutMs: lockWait,
            timeoutMessage: sourceLock.timeoutMessage,
            signal: task.signal,
          }),
        );
        releases.push(
          await core.locks.acquire(newLock.key, 'exclusive', {
            timeoutMs: lockWait,
            timeoutMessage: newLock.timeoutMessage,
            signal: task.signal,
          }),
        );
        const plan = loadAndCheck(ctx);
        const config = newConfig(ctx, plan);
        // The temporary config: the VMID is taken from here on (nextid skips it).
        const vm: VmState = {
          vmid: plan.newid,
          node: plan.node,
          config: new Map([['lock', 'clone']]),
          power: 'stopped',
          generation: 0,
        };
        core.state.vms.set(plan.newid, vm);
        const created: Volume[] = [];
        try {
          for (const { key, volume } of [...plan.disks].sort((a, b) =>
            a.key.localeCompare(b.key),
          )) {
            const value = await cloneDisk({
              ctx,
              task,
              node: plan.node,
              newid: plan.newid,
              key,
              drive: parseDrive(plan.source.config.get(key) ?? ''),
              source: volume,
              full: plan.full,
              created,
              ...(plan.storage ? { storage: plan.storage } : {}),
              ...(plan.format ? { format: plan.format } : {}),
            });
            config.set(key, value);
            vm.config = new Map([...config, ['lock', 'clone']]);
          }
          vm.config = config;
          if (plan.target !== undefined) vm.node = plan.target;
        } catch (err: unknown) {
          for (const volume of created) core.state.removeVolume(volume);
          core.state.vms.delete(plan.newid);
          throw new Error(`clone failed: ${messageOf(err)}`);
        }
      } finally {
        for (const release of releases.reverse()) release();
      }
    },
  );
};

export const qemuCloneRoutes: [string, Handler][] = [
  ['POST /nodes/{node}/qemu/{vmid}/clone', clone],
];
