// Reading VMs: a node's VM list, a VM's index, status/current and config.
import { optBool, requireNode, type Handler } from '../core.ts';
import { mayAny } from '../permission-check.ts';
import { agentEnabled, configJson, vmOn, vmStatusFields } from './vm-view.ts';

const list: Handler = (ctx) => {
  const node = requireNode(ctx);
  return [...ctx.core.state.vms.values()]
    .filter((vm) => vm.node === node && mayAny(ctx.caller, `/vms/${vm.vmid}`, ['VM.Audit']))
    .sort((a, b) => a.vmid - b.vmid)
    .map((vm) => {
      const fields = vmStatusFields(vm);
      if (vm.power === 'running' && optBool(ctx, 'full')) fields['qmpstatus'] = 'running';
      return fields;
    });
};

const index: Handler = (ctx) => {
  vmOn(ctx);
  return [
    'config',
    'pending',
    'status',
    'unlink',
    'vncproxy',
    'termproxy',
    'migrate',
    'resize',
    'move',
    'rrd',
    'rrddata',
    'monitor',
    'agent',
    'snapshot',
    'spiceproxy',
    'sendkey',
    'firewall',
    'mtunnel',
    'remote_migrate',
  ].map((subdir) => ({ subdir }));
};

const current: Handler = (ctx) => {
  const vm = vmOn(ctx);
  const out: Record<string, unknown> = {
    ...vmStatusFields(vm),
    qmpstatus: vm.power,
    ha: { managed: 0 },
  };
  if (agentEnabled(vm)) out['agent'] = 1;
  if (vm.power === 'running') {
    out['running-machine'] = 'pc-i440fx-9.2+pve1';
    out['running-qemu'] = '9.2.0';
  }
  if (vm.config.get('serial0')) out['serial'] = 1;
  return out;
};

const config: Handler = (ctx) => configJson(vmOn(ctx));

export const qemuReadRoutes: [string, Handler][] = [
  ['GET /nodes/{node}/qemu', list],
  ['GET /nodes/{node}/qemu/{vmid}', index],
  ['GET /nodes/{node}/qemu/{vmid}/status/current', current],
  ['GET /nodes/{node}/qemu/{vmid}/config', config],
];
