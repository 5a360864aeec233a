// The clone step: pick the template copy and the node, take a clone slot, pick a VMID and
// start the clone with the machine's name and description (which carries its uid), and
// retry "already exists" with another ID. Returns at once; the clone task is polled in the
// background (machine-state.ts) and its slot freed when it stops.
import { apiPath } from './api/index.ts';
import type { ProxmoxApi } from './clients.ts';
import type { ProxmoxCredential } from './credential.ts';
import { hasKind, providerError, ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
import {
  clusterTag,
  machineDescription,
  parseTags,
  slipwayTag,
  type MachineIdentity,
} from './identity.ts';
import type { CloneSlots, KeyedMutex } from './limiter.ts';
import type { MachineRecords } from './machine-state.ts';
import { choosePlacement, type ClusterPeer, type Placement } from './placement.ts';
import type { ResolvedMachineSettings } from './settings.ts';
import { diskStorages, selectTemplates, type ClusterVM, type TemplateCopy } from './templates.ts';
import { isSharedStorage, type ProxmoxView } from './view.ts';
import { pickVmid, type VmidReservations } from './vmid.ts';

const MiB = 1024 * 1024;
/** Attempts at a free VMID within one reconcile. */
const vmidAttempts = 5;

export interface CreateContext {
  api: ProxmoxApi;
  /**
   * Serialises placement and clone start per Proxmox cluster: each placement must see
   * the VMs placed before it, or concurrent machines all pick the same emptiest node.
   */
  placementLock: KeyedMutex;
  view: ProxmoxView;
  records: MachineRecords;
  slots: CloneSlots;
  reservations: VmidReservations;
  credential: ProxmoxCredential;
  settings: ResolvedMachineSettings;
  identity: MachineIdentity;
  signal?: AbortSignal;
}

export type CreateOutcome =
  | { kind: 'cloning'; vmid: number; node: string; template: TemplateCopy }
  | { kind: 'waiting-for-slot'; message: string };

async function templateCopies(ctx: CreateContext, vms: ClusterVM[]): Promise<TemplateCopy[]> {
  const selected = selectTemplates(vms, ctx.settings.template);
  const storages = await ctx.view.storages();
  const copies: TemplateCopy[] = [];
  for (const vm of selected) {
    const config = await ctx.view.templateConfig(vm.node, vm.vmid);
    const used = diskStorages(config);
    copies.push({
      vmid: vm.vmid,
      node: vm.node,
      ...(vm.name !== undefined ? { name: vm.name } : {}),
      storages: used,
      shared: used.length > 0 && used.every((s) => isSharedStorage(storages, s)),
    });
  }
  return copies;
}

/** Memory (MiB) per node of Slipway's VMs that do not run yet, so Proxmox does not count it. */
function pendingMemory(ctx: CreateContext, vms: readonly ClusterVM[]): Map<string, number> {
  const pending = new Map<string, number>();
  const add = (node: string, mib: number) => pending.set(node, (pending.get(node) ?? 0) + mib);
  const listed = new Set(vms.map((vm) => vm.vmid));
  const ours = new Map(ctx.records.all().map((r) => [r.vmid, r.memoryMiB]));
  for (const vm of vms) {
    if (vm.template === 1 || vm.status === 'running') continue;
    // A clone's temporary config has no memory yet: what this process asked for counts.
    const listedMiB = (vm.maxmem ?? 0) / MiB;
    const remembered = ours.get(vm.vmid);
    if (remembered !== undefined) add(vm.node, Math.max(remembered, listedMiB));
    else if (parseTags(vm.tags).includes(slipwayTag) || vm.lock === 'clone') {
      add(vm.node, listedMiB);
    }
  }
  for (const record of ctx.records.all()) {
    if (!listed.has(record.vmid)) add(record.node, record.memoryMiB);
  }
  return pending;
}

/** VMs of the same cluster (by tag, or remembered while their tags are not set yet). */
function clusterPeers(ctx: CreateContext, vms: readonly ClusterVM[]): ClusterPeer[] {
  const tag = clusterTag(ctx.identity.namespace, ctx.identity.clusterName);
  const cluster = `${ctx.identity.namespace}/${ctx.identity.clusterName}`;
  const peers: ClusterPeer[] = [];
  const seen = new Set<number>();
  for (const vm of vms) {
    const tags = parseTags(vm.tags);
    if (!tags.includes(tag)) continue;
    seen.add(vm.vmid);
    peers.push({
      node: vm.node,
      role: tags.includes('role.control-plane') ? 'control-plane' : 'worker',
    });
  }
  for (const record of ctx.records.all()) {
    if (
      record.cluster === cluster &&
      !seen.has(record.vmid) &&
      record.uid !== ctx.identity.machineUID
    ) {
      peers.push({ node: record.node, role: record.role });
    }
  }
  return peers;
}

/** The storage a clone writes to, as a slot key: node-local storages count per node. */
function storageKey(
  placement: Placement,
  settings: ResolvedMachineSettings,
  shared: (s: string) => boolean,
) {
  const storage =
    settings.clone === 'full' && settings.storage
      ? settings.storage
      : (placement.source.storages[0] ?? 'unknown');
  return shared(storage) ? `storage:${storage}` : `storage:${placement.node}/${storage}`;
}

/**
 * Start the clone of a new VM for the machine, or say why it waits.
 *
 * @example
 *   await startClone(ctx); // { kind: 'cloning', vmid: 104, node: 'pve2', template: { vmid: 9000, … } }
 */
export function startClone(ctx: CreateContext): Promise<CreateOutcome> {
  return ctx.placementLock.run(ctx.credential.cacheKey, () => placeAndClone(ctx));
}

async function placeAndClone(ctx: CreateContext): Promise<CreateOutcome> {
  const { api, view, settings, identity } = ctx;
  let vms: ClusterVM[];
  let placement: Placement;
  try {
    vms = await view.vms();
    const templates = await templateCopies(ctx, vms);
    placement = choosePlacement({
      nodes: await view.nodes(),
      ...(settings.allowedNodes ? { allowedNodes: settings.allowedNodes } : {}),
      templates,
      role: identity.role,
      memoryMiB: settings.memoryMiB,
      pendingMiB: pendingMemory(ctx, vms),
      peers: clusterPeers(ctx, vms),
    });
  } catch (err: unknown) {
    throw providerError(err, 'choosing a template and node');
  }
  const storages = await view.storages();
  const source = placement.source;
  const release = ctx.slots.tryAcquire([
    {
      key: `template:${source.shared ? '' : `${source.node}/`}${source.vmid}`,
      limit: ctx.credential.clonesPerTemplate,
    },
    {
      key: storageKey(placement, settings, (s) => isSharedStorage(storages, s)),
      limit: ctx.credential.clonesPerStorage,
    },
  ]);
  if (!release) {
    return {
      kind: 'waiting-for-slot',
      message: `waiting for a clone slot of template ${source.vmid} (at most ${ctx.credential.clonesPerTemplate} clones of one template and ${ctx.credential.clonesPerStorage} onto one storage at once)`,
    };
  }

  const refused = new Set<number>();
  let settled = false;
  try {
    for (let attempt = 0; attempt < vmidAttempts; attempt++) {
      const vmid = await chooseVmid(ctx, refused);
      ctx.reservations.reserve(vmid);
      const params = {
        newid: vmid,
        name: identity.machineName,
        description: machineDescription(identity),
        ...(settings.clone === 'full' ? { full: true } : { full: false }),
        ...(settings.clone === 'full' && settings.storage ? { storage: settings.storage } : {}),
        ...(settings.clone === 'full' && settings.format ? { format: settings.format } : {}),
        ...(settings.pool ? { pool: settings.pool } : {}),
        ...(placement.target ? { target: placement.target } : {}),
      };
      let upid: string;
      try {
        upid = await api.post<string>(
          apiPath`/nodes/${source.node}/qemu/${source.vmid}/clone`,
          params,
          {
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          },
        );
      } catch (err: unknown) {
        ctx.reservations.release(vmid);
        if (hasKind(err, 'exists')) {
          refused.add(vmid);
          continue;
        }
        throw providerError(
          err,
          `cloning VM ${vmid} from template ${source.vmid} on ${source.node}`,
        );
      }
      const record = {
        uid: identity.machineUID,
        vmid,
        node: placement.node,
        cluster: `${identity.namespace}/${identity.clusterName}`,
        role: identity.role,
        memoryMiB: settings.memoryMiB,
        templateVmid: source.vmid,
        tasks: {},
      };
      ctx.records.set(record);
      ctx.records.track(api, record, 'clone', upid, () => {
        release();
        ctx.reservations.release(vmid);
        view.invalidate('vms');
      });
      settled = true;
      view.invalidate('vms');
      return { kind: 'cloning', vmid, node: placement.node, template: source };
    }
    throw new ProxmoxProviderError(
      ProxmoxReasons.ProxmoxAPIError,
      `no free VMID after ${vmidAttempts} tries (${[...refused].join(', ')} already exist)`,
      true,
    );
  } finally {
    if (!settled) release();
  }
}

async function chooseVmid(ctx: CreateContext, refused: ReadonlySet<number>): Promise<number> {
  const range = ctx.settings.vmidRange;
  let nextid: number | undefined;
  let used: Set<number>;
  try {
    used = await ctx.view.usedVmids(refused.size > 0 ? 0 : undefined);
    if (!range) nextid = Number(await ctx.api.get<string | number>('/cluster/nextid'));
  } catch (err: unknown) {
    throw providerError(err, 'choosing a VMID');
  }
  const vmid = pickVmid({
    used,
    refused,
    reservations: ctx.reservations,
    ...(range ? { range } : {}),
    ...(nextid !== undefined ? { nextid } : {}),
  });
  if (vmid === undefined) {
    throw new ProxmoxProviderError(
      ProxmoxReasons.ProxmoxAPIError,
      `every VMID of vmidRange ${range?.from}–${range?.to} is taken`,
      true,
    );
  }
  return vmid;
}
