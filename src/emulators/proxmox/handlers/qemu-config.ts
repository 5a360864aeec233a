// Config changes: POST …/config (task qmconfig), PUT …/config (at once; errors are 500),
// resize (task resize; grows only), conversion to a template (task qmtemplate) and the
// pending view.
import { optString, requireString, type Handler } from '../core.ts';
import {
  configDigest,
  formatSize,
  isCdrom,
  parseDrive,
  parseSize,
  propertyValue,
  splitVolid,
  withProperty,
  printPropertyString,
} from '../config-format.ts';
import { serverError, TaskFailure } from '../errors.ts';
import { sleep } from '../tasks.ts';
import { applyConfigChange, planConfigChange } from './vm-config-update.ts';
import { assertUnlocked, vmOn, withConfigLock } from './vm-view.ts';

const postConfig: Handler = (ctx) => {
  const vm = vmOn(ctx);
  const change = planConfigChange(ctx, vm);
  return ctx.core.tasks.start(
    { node: vm.node, type: 'qmconfig', id: String(vm.vmid), user: ctx.caller.userid },
    (task) =>
      withConfigLock(
        ctx.core,
        vm,
        async (current) => {
          applyConfigChange(ctx, current, change);
          for (const [key, value] of change.set) task.log(`update VM ${vm.vmid}: -${key} ${value}`);
          await sleep(ctx.core.options.timing.taskMs, task.signal);
        },
        task.signal,
      ),
  );
};

/** PUT waits for the config lock in the request itself, as PVE's synchronous update does. */
const putConfig: Handler = async (ctx) => {
  const vm = vmOn(ctx);
  const change = planConfigChange(ctx, vm);
  await withConfigLock(ctx.core, vm, (current) => applyConfigChange(ctx, current, change));
  return null;
};

const resize: Handler = (ctx) => {
  const vm = vmOn(ctx);
  const disk = requireString(ctx, 'disk');
  const sizeText = requireString(ctx, 'size');
  const digest = optString(ctx, 'digest');
  return ctx.core.tasks.start(
    { node: vm.node, type: 'resize', id: String(vm.vmid), user: ctx.caller.userid },
    (task) =>
      withConfigLock(
        ctx.core,
        vm,
        async (vm) => {
          if (digest !== undefined && digest !== configDigest(vm.config)) {
            throw new TaskFailure(
              'detected modified configuration - file changed by other user? Try again.',
            );
          }
          assertUnlocked(vm);
          const value = vm.config.get(disk);
          if (value === undefined) throw new TaskFailure(`disk '${disk}' does not exist`);
          const drive = parseDrive(value);
          if (isCdrom(drive)) throw new TaskFailure("you can't resize a cdrom");
          const volume = ctx.core.state.findVolume(drive.file, vm.node);
          const current = parseSize(propertyValue(drive.items, 'size') ?? '') ?? volume?.size ?? 0;
          const delta = /^\+/.test(sizeText);
          const amount = parseSize(sizeText.replace(/^\+/, '')) ?? 0;
          const wanted = delta ? current + amount : amount;
          if (wanted < current) throw new TaskFailure('shrinking disks is not supported');
          await sleep(ctx.core.options.timing.taskMs, task.signal);
          if (wanted === current) return;
          if (volume) volume.size = wanted;
          vm.config.set(
            disk,
            printPropertyString(withProperty(drive.items, 'size', formatSize(wanted))),
          );
          const lv = splitVolid(drive.file)?.volname.split('/').pop() ?? '';
          task.log(
            `  Size of logical volume pve/${lv} changed from ${formatSize(current)} to ${formatSize(wanted)}.`,
          );
          task.log(`  Logical volume pve/${lv} successfully resized.`);
        },
        task.signal,
      ),
  );
};

const template: Handler = (ctx) => {
  const vm = vmOn(ctx);
  if (vm.power === 'running')
    throw serverError("you can't convert a VM to template if VM is running");
  return ctx.core.tasks.start(
    { node: vm.node, type: 'qmtemplate', id: String(vm.vmid), user: ctx.caller.userid },
    (task) =>
      withConfigLock(
        ctx.core,
        vm,
        async (vm) => {
          assertUnlocked(vm);
          await sleep(ctx.core.options.timing.taskMs, task.signal);
          for (const [key, value] of [...vm.config]) {
            const drive = parseDrive(value);
            const split = splitVolid(drive.file);
            if (
              !split ||
              isCdrom(drive) ||
              !/^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/.test(key)
            )
              continue;
            const volume = ctx.core.state.findVolume(drive.file, vm.node);
            if (!volume) continue;
            ctx.core.state.removeVolume(volume);
            volume.volname = volume.volname.replace(/vm-(\d+)-disk/, 'base-$1-disk');
            ctx.core.state.addVolume(volume);
            const items = drive.items.map(([k, v]): [string, string] => [
              k,
              k === '' ? `${split.storage}:${volume.volname}` : v,
            ]);
            vm.config.set(key, printPropertyString(items));
            task.log(`renamed volume '${drive.file}' to '${split.storage}:${volume.volname}'`);
          }
          vm.config.set('template', '1');
        },
        task.signal,
      ),
  );
};

const pending: Handler = (ctx) => {
  const vm = vmOn(ctx);
  return [...vm.config]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
};

export const qemuConfigRoutes: [string, Handler][] = [
  ['POST /nodes/{node}/qemu/{vmid}/config', postConfig],
  ['PUT /nodes/{node}/qemu/{vmid}/config', putConfig],
  ['PUT /nodes/{node}/qemu/{vmid}/resize', resize],
  ['POST /nodes/{node}/qemu/{vmid}/template', template],
  ['GET /nodes/{node}/qemu/{vmid}/pending', pending],
];
