// Cluster-wide and node views: version, login, permissions, nextid, resources, status,
// the node list and a node's status and network. Lists show only what the caller may
// audit, as PVE filters them.
import {
  optInt,
  optString,
  requireNode,
  requireString,
  type Handler,
  type HandlerContext,
} from '../core.ts';
import { parameterError, PveError } from '../errors.ts';
import { mayAny } from '../permission-check.ts';
import { permissionsDump } from '../privileges.ts';
import { vmStatusFields } from './vm-view.ts';

const mib = 1024 * 1024;
const clusterName = 'pve-emulator';

/** Memory a node uses: its own base plus its running VMs'. */
function nodeMemory(ctx: HandlerContext, node: string): { total: number; used: number } {
  const spec = ctx.core.state.nodes.get(node);
  const total = (spec?.memoryMiB ?? 0) * mib;
  let used = 2048 * mib;
  for (const vm of ctx.core.state.vms.values()) {
    if (vm.node === node && vm.power === 'running')
      used += (vmStatusFields(vm)['maxmem'] as number) ?? 0;
  }
  return { total, used: Math.min(used, total) };
}

function nodeEntry(ctx: HandlerContext, node: string): Record<string, unknown> {
  const entry: Record<string, unknown> = { node, status: 'online', level: '' };
  if (mayAny(ctx.caller, `/nodes/${node}`, ['Sys.Audit'])) {
    const memory = nodeMemory(ctx, node);
    Object.assign(entry, {
      cpu: 0.05,
      maxcpu: ctx.core.state.nodes.get(node)?.cpus ?? 1,
      mem: memory.used,
      maxmem: memory.total,
      uptime: Math.floor(process.uptime()) + 86_400,
    });
  }
  return entry;
}

const version: Handler = () => ({ version: '9.1.1', release: '9.1', repoid: '42f7b3d1' });

const ticketPost: Handler = (ctx) => {
  const realm = optString(ctx, 'realm');
  let username = requireString(ctx, 'username');
  if (realm !== undefined && !username.includes('@')) username = `${username}@${realm}`;
  return {
    ...ctx.core.auth.login(username, requireString(ctx, 'password')),
    clustername: clusterName,
  };
};

const permissions: Handler = (ctx) => {
  const userid = optString(ctx, 'userid');
  if (
    userid !== undefined &&
    userid !== ctx.caller.userid &&
    !mayAny(ctx.caller, '/access', ['Sys.Audit'])
  ) {
    throw new PveError(403, 'Permission check failed (/access, Sys.Audit)');
  }
  return permissionsDump(
    ctx.caller.userid === 'root@pam' ? 'all' : ctx.caller.privileges,
    optString(ctx, 'path'),
  );
};

const nextid: Handler = (ctx) => {
  const wanted = optInt(ctx, 'vmid');
  if (wanted !== undefined) {
    if (ctx.core.state.vms.has(wanted))
      throw parameterError({ vmid: `VM ${wanted} already exists` });
    return String(wanted);
  }
  // PVE answers a string here, although the schema says integer (see the reference note).
  return String(ctx.core.state.nextFreeVmid());
};

const resources: Handler = (ctx) => {
  const type = optString(ctx, 'type');
  const { state } = ctx.core;
  const out: Record<string, unknown>[] = [];
  if (type === undefined || type === 'vm') {
    for (const vm of [...state.vms.values()].sort((a, b) => a.vmid - b.vmid)) {
      if (!mayAny(ctx.caller, `/vms/${vm.vmid}`, ['VM.Audit'])) continue;
      const { cpus, ...fields } = vmStatusFields(vm);
      out.push({
        id: `qemu/${vm.vmid}`,
        type: 'qemu',
        node: vm.node,
        maxcpu: cpus,
        template: 0,
        ...fields,
      });
    }
  }
  if (type === undefined || type === 'node') {
    for (const node of state.nodes.keys()) {
      const { node: name, maxcpu, ...rest } = nodeEntry(ctx, node);
      out.push({
        id: `node/${node}`,
        type: 'node',
        node: name,
        ...(maxcpu !== undefined ? { maxcpu } : {}),
        ...rest,
      });
    }
  }
  if (type === undefined || type === 'storage') {
    for (const storage of state.storages.values()) {
      if (
        !mayAny(ctx.caller, `/storage/${storage.id}`, [
          'Datastore.Audit',
          'Datastore.AllocateSpace',
        ])
      )
        continue;
      for (const node of storage.nodes) {
        out.push({
          id: `storage/${node}/${storage.id}`,
          type: 'storage',
          storage: storage.id,
          node,
          status: 'available',
          content: storage.content.join(','),
          plugintype: storage.type,
          shared: storage.shared ? 1 : 0,
          disk: state.usedBytes(storage.id, node),
          maxdisk: storage.totalBytes,
        });
      }
    }
  }
  return out;
};

const clusterStatus: Handler = (ctx) => {
  const nodes = [...ctx.core.state.nodes.keys()];
  return [
    {
      type: 'cluster',
      id: 'cluster',
      name: clusterName,
      nodes: nodes.length,
      quorate: 1,
      version: nodes.length,
    },
    ...nodes.map((name, i) => ({
      type: 'node',
      id: `node/${name}`,
      name,
      nodeid: i + 1,
      ip: `192.0.2.${11 + i}`,
      online: 1,
      local: i === 0 ? 1 : 0,
      level: '',
    })),
  ];
};

const nodes: Handler = (ctx) =>
  [...ctx.core.state.nodes.keys()].map((node) => nodeEntry(ctx, node));

const nodeStatus: Handler = (ctx) => {
  const node = requireNode(ctx);
  const memory = nodeMemory(ctx, node);
  const cpus = ctx.core.state.nodes.get(node)?.cpus ?? 1;
  const disk = {
    total: 100 * 1024 ** 3,
    used: 10 * 1024 ** 3,
    free: 90 * 1024 ** 3,
    avail: 90 * 1024 ** 3,
  };
  return {
    uptime: Math.floor(process.uptime()) + 86_400,
    cpu: 0.05,
    wait: 0,
    loadavg: ['0.10', '0.12', '0.08'],
    cpuinfo: {
      cpus,
      cores: cpus,
      sockets: 1,
      model: 'QEMU Virtual CPU (emulated)',
      mhz: '2400.000',
      hvm: '1',
      flags: '',
      user_hz: 100,
    },
    memory: {
      total: memory.total,
      used: memory.used,
      free: memory.total - memory.used,
      available: memory.total - memory.used,
    },
    swap: { total: 0, used: 0, free: 0 },
    rootfs: disk,
    ksm: { shared: 0 },
    kversion: 'Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z) x86_64',
    'current-kernel': {
      sysname: 'Linux',
      release: '6.14.8-2-pve',
      version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)',
      machine: 'x86_64',
    },
    'boot-info': { mode: 'efi', secureboot: 0 },
    pveversion: 'pve-manager/9.1.1/42f7b3d1',
  };
};

const network: Handler = (ctx) => {
  const node = requireNode(ctx);
  const index = [...ctx.core.state.nodes.keys()].indexOf(node);
  const all = [
    {
      iface: 'eno1',
      type: 'eth',
      active: 1,
      exists: 1,
      families: ['inet'],
      method: 'manual',
      priority: 3,
    },
    {
      iface: 'vmbr0',
      type: 'bridge',
      active: 1,
      autostart: 1,
      bridge_ports: 'eno1',
      bridge_stp: 'off',
      bridge_fd: '0',
      families: ['inet'],
      method: 'static',
      priority: 4,
      address: `192.0.2.${11 + index}`,
      netmask: '255.255.255.0',
      cidr: `192.0.2.${11 + index}/24`,
      gateway: '192.0.2.1',
    },
  ];
  const type = optString(ctx, 'type');
  if (type === undefined) return all;
  if (type === 'any_bridge' || type === 'any_local_bridge')
    return all.filter((i) => i.type === 'bridge');
  return all.filter((i) => i.type === type);
};

/** Resource pools are not simulated: there are none (a clone into a pool fails). */
const pools: Handler = () => [];

export const clusterRoutes: [string, Handler][] = [
  ['GET /pools', pools],
  ['GET /version', version],
  ['GET /access/ticket', () => null],
  ['POST /access/ticket', ticketPost],
  ['GET /access/permissions', permissions],
  ['GET /cluster/nextid', nextid],
  ['GET /cluster/resources', resources],
  ['GET /cluster/status', clusterStatus],
  ['GET /nodes', nodes],
  ['GET /nodes/{node}/status', nodeStatus],
  ['GET /nodes/{node}/network', network],
];
