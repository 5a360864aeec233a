// Turning a fresh clone into the machine, one step per call: upload the boot-data ISO to
// the VM's node, apply the config (CPU, memory, NIC, agent, tags, CD-ROM, extra disks)
// guarded by the config digest, grow the boot disk. Each step starts a Proxmox task and
// returns; the next call sees the task's outcome. Undefined means nothing is left to do.
import { buildNoCloudIso, noCloudIsoFileName } from '../nocloud/index.ts';
import type { MachineObservation } from '../types.ts';
import { apiPath, encodeSshKeys, isUpid } from './api/index.ts';
import {
  cloneConfigParams,
  ipconfigOf,
  isConfigured,
  type ProxmoxCloudInit,
} from './clone-config.ts';
import { adoptRecord, observation, type MachineContext } from './context.ts';
import { providerError, ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
import type { FoundVM } from './find-vm.ts';
import { runningTask, takeFailure, type MachineRecord } from './machine-state.ts';
import { readSshLoginKey } from './ssh-key.ts';
import { bootDisk, diskSizeGiB } from './vm-config.ts';
import { storageAccepts } from './view.ts';

const R = ProxmoxReasons;

/** The boot-data ISO's volume ID on a storage. */
export function isoVolume(storage: string, machineName: string, uid: string): string {
  return `${storage}:iso/${noCloudIsoFileName(machineName, uid)}`;
}

function signalOption(ctx: MachineContext) {
  return ctx.signal ? { signal: ctx.signal } : {};
}

/** A tracked task that failed is thrown once (retryable), so the step runs again. */
function throwIfFailed(
  record: MachineRecord,
  kind: Parameters<typeof takeFailure>[1],
  what: string,
) {
  const failure = takeFailure(record, kind);
  if (failure !== undefined) throw providerError(failure, what);
}

async function uploadIso(ctx: MachineContext, vm: FoundVM, record: MachineRecord) {
  const { settings, request } = ctx;
  const storages = await ctx.view.storages();
  const accepts = storageAccepts(storages, vm.node, settings.isoStorage, 'iso');
  if (accepts !== true) {
    throw new ProxmoxProviderError(
      R.InvalidSettings,
      accepts === undefined
        ? `isoStorage "${settings.isoStorage}" does not exist on node ${vm.node}`
        : `isoStorage "${settings.isoStorage}" on node ${vm.node} does not accept ISO images (add content type iso to it)`,
      false,
    );
  }
  const data = buildNoCloudIso({
    userData: request.bootstrap.userData,
    metaData: request.bootstrap.metaData,
    ...(request.bootstrap.networkConfig !== undefined
      ? { networkConfig: request.bootstrap.networkConfig }
      : {}),
  });
  const filename = noCloudIsoFileName(request.machineName, request.machineUID);
  let upid: string;
  try {
    upid = await ctx.api.uploadFile(
      vm.node,
      settings.isoStorage,
      { content: 'iso', filename, data },
      signalOption(ctx),
    );
  } catch (err: unknown) {
    throw providerError(err, `uploading ${filename} to ${settings.isoStorage} on ${vm.node}`);
  }
  ctx.records.track(ctx.api, record, 'upload', upid);
  record.uploadedFor = vm.vmid;
}

/** Proxmox's cloud-init fields: ciUser with Slipway's login key (and sshKeys), the network. */
function proxmoxCloudInit(ctx: MachineContext): ProxmoxCloudInit {
  const network = ctx.network;
  const login = readSshLoginKey(ctx.request.credential);
  const fields: ProxmoxCloudInit = {
    ipconfig0: ipconfigOf(network),
    ciuser: ctx.settings.ciUser,
    sshkeys: encodeSshKeys([login.publicKey, ...ctx.settings.sshKeys].join('\n')),
  };
  if (network?.dnsServers?.length) fields.nameserver = network.dnsServers.join(' ');
  if (network?.searchDomains?.length) fields.searchdomain = network.searchDomains.join(' ');
  return fields;
}

async function applyConfig(ctx: MachineContext, vm: FoundVM, record: MachineRecord) {
  const { settings, request } = ctx;
  const { params } = cloneConfigParams({
    config: vm.config,
    settings,
    identity: ctx.identity,
    ...(ctx.network ? { network: ctx.network } : {}),
    ...(settings.bootstrapMode === 'nocloud-iso'
      ? { isoVolume: isoVolume(settings.isoStorage, request.machineName, request.machineUID) }
      : { cloudInit: proxmoxCloudInit(ctx) }),
  });
  const digest = vm.config['digest'];
  let answer: unknown;
  try {
    answer = await ctx.api.post<unknown>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/config`,
      { ...params, ...(typeof digest === 'string' ? { digest } : {}) },
      signalOption(ctx),
    );
  } catch (err: unknown) {
    throw providerError(err, `configuring VM ${vm.vmid}`);
  }
  if (isUpid(answer)) ctx.records.track(ctx.api, record, 'configure', answer);
}

/**
 * The next configuration step for a VM that is not running yet, or undefined when it is
 * configured and its disk is the size asked for.
 */
export async function configureStep(
  ctx: MachineContext,
  vm: FoundVM,
): Promise<MachineObservation | undefined> {
  const record = adoptRecord(ctx, vm, ctx.settings.memoryMiB);
  const creating = (reason: string, message: string) =>
    observation('Creating', reason, message, vm.vmid);
  const running = runningTask(record, 'upload', 'configure', 'resize');
  if (running?.kind === 'upload') {
    return creating(
      R.UploadingBootstrapISO,
      `uploading the boot-data ISO of VM ${vm.vmid} to ${ctx.settings.isoStorage} on ${vm.node}`,
    );
  }
  if (running?.kind === 'configure') {
    return creating(R.ConfiguringVM, `configuring VM ${vm.vmid} (CPU, memory, network, boot data)`);
  }
  if (running?.kind === 'resize') {
    return creating(
      R.ResizingDisk,
      `growing the boot disk of VM ${vm.vmid} to ${ctx.settings.diskGiB} GiB`,
    );
  }
  if (record.tasks.upload?.state === 'failed') delete record.uploadedFor;
  throwIfFailed(record, 'upload', `uploading the boot-data ISO of VM ${vm.vmid}`);
  throwIfFailed(record, 'configure', `configuring VM ${vm.vmid}`);
  throwIfFailed(record, 'resize', `growing the boot disk of VM ${vm.vmid}`);

  if (!isConfigured(vm.config, ctx.identity)) {
    if (ctx.settings.bootstrapMode === 'nocloud-iso' && record.uploadedFor !== vm.vmid) {
      await uploadIso(ctx, vm, record);
      return creating(
        R.UploadingBootstrapISO,
        `uploading the boot-data ISO of VM ${vm.vmid} to ${ctx.settings.isoStorage} on ${vm.node}`,
      );
    }
    await applyConfig(ctx, vm, record);
    return creating(R.ConfiguringVM, `configuring VM ${vm.vmid} (CPU, memory, network, boot data)`);
  }

  const wanted = ctx.settings.diskGiB;
  const disk = bootDisk(vm.config);
  if (wanted !== undefined && disk && vm.status.status !== 'running') {
    const size = diskSizeGiB(vm.config, disk);
    if (size !== undefined && size > wanted + 1e-9) {
      return observation(
        'Failed',
        R.DiskShrinkRejected,
        `the boot disk ${disk} of VM ${vm.vmid} is ${Math.round(size * 100) / 100} GiB, larger than diskGiB ${wanted}: Proxmox cannot shrink a disk; set diskGiB to at least the template's size`,
        vm.vmid,
      );
    }
    if (size !== undefined && size < wanted - 1e-9) {
      let answer: unknown;
      try {
        answer = await ctx.api.put<unknown>(
          apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/resize`,
          {
            disk,
            size: `${wanted}G`,
            ...(typeof vm.config['digest'] === 'string' ? { digest: vm.config['digest'] } : {}),
          },
          signalOption(ctx),
        );
      } catch (err: unknown) {
        throw providerError(err, `growing disk ${disk} of VM ${vm.vmid} to ${wanted} GiB`);
      }
      if (isUpid(answer)) ctx.records.track(ctx.api, record, 'resize', answer);
      return creating(R.ResizingDisk, `growing the boot disk of VM ${vm.vmid} to ${wanted} GiB`);
    }
  }
  return undefined;
}
