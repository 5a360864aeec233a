// The guest agent endpoints, with qemu-server's errors in its order: "No QEMU guest agent
// configured" (option off), "VM N is not running", "QEMU guest agent is not running"
// (booting: retry), then the answer.
import { requireInt, type Handler, type HandlerContext } from '../core.ts';
import { serverError } from '../errors.ts';
import type { VmState } from '../state.ts';
import { agentEnabled, vmOn } from './vm-view.ts';

function agentVm(ctx: HandlerContext): VmState {
  const vm = vmOn(ctx);
  if (!agentEnabled(vm)) throw serverError('No QEMU guest agent configured');
  if (vm.power !== 'running') throw serverError(`VM ${vm.vmid} is not running`);
  if (!ctx.core.guests.agentReady(vm)) throw serverError('QEMU guest agent is not running');
  return vm;
}

const interfaces: Handler = (ctx) => ({
  result: ctx.core.guests.agentInterfaces(agentVm(ctx)) ?? [],
});

const ping: Handler = (ctx) => {
  agentVm(ctx);
  return { result: {} };
};

const hostName: Handler = (ctx) => {
  const vm = agentVm(ctx);
  const pid = ctx.core.guests.exec(vm, ['hostname']);
  const name = ctx.core.guests.execStatus(vm, pid)?.['out-data']?.trim() ?? '';
  return { result: { 'host-name': name } };
};

const osInfo: Handler = (ctx) => {
  agentVm(ctx);
  return {
    result: {
      id: 'ubuntu',
      name: 'Ubuntu',
      'pretty-name': 'Ubuntu 24.04.2 LTS',
      version: '24.04.2 LTS (Noble Numbat)',
      'version-id': '24.04',
      'kernel-release': '6.8.0-60-generic',
      'kernel-version': '#63-Ubuntu SMP PREEMPT_DYNAMIC',
      machine: 'x86_64',
    },
  };
};

/** `command` arrives as a JSON array or as form values joined by NUL. */
function commandOf(ctx: HandlerContext): string[] {
  const value = ctx.params['command'];
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split('\0') : [];
}

const exec: Handler = (ctx) => {
  const vm = agentVm(ctx);
  return { pid: ctx.core.guests.exec(vm, commandOf(ctx)) };
};

const execStatus: Handler = (ctx) => {
  const vm = agentVm(ctx);
  const status = ctx.core.guests.execStatus(vm, requireInt(ctx, 'pid'));
  if (!status) throw serverError("Agent error: Invalid parameter 'pid'");
  return status;
};

export const qemuAgentRoutes: [string, Handler][] = [
  ['GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', interfaces],
  ['POST /nodes/{node}/qemu/{vmid}/agent/ping', ping],
  ['GET /nodes/{node}/qemu/{vmid}/agent/get-host-name', hostName],
  ['GET /nodes/{node}/qemu/{vmid}/agent/get-osinfo', osInfo],
  ['POST /nodes/{node}/qemu/{vmid}/agent/exec', exec],
  ['GET /nodes/{node}/qemu/{vmid}/agent/exec-status', execStatus],
];
