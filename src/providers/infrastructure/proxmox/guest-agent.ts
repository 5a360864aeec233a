// Asking the QEMU guest agent for the machine's address (and, optionally, whether
// cloud-init has finished). The agent answers only once the guest has booted far enough
// to run it: until then Proxmox says "QEMU guest agent is not running" (HTTP 500), which
// is waiting, not failing; after guestAgentTimeoutSec of uptime it is reported as
// GuestAgentTimeout with what to check.
import { apiPath } from './api/index.ts';
import type { ProxmoxApi } from './clients.ts';
import type { MachineNetwork } from '../types.ts';
import { hasKind, providerError, ProxmoxReasons } from './errors.ts';
import type { FoundVM } from './find-vm.ts';
import { agentInterfaces, guestAddress, reportedAddresses } from './guest-network.ts';
import { ProxmoxApiError, ProxmoxTaskError } from './api/index.ts';
import { parseNic } from './vm-config.ts';

/** How long one agent call may take (Proxmox itself gives up on a qga call after ~10 s). */
const agentCallTimeoutMs = 15_000;

export type AgentAnswer =
  { kind: 'address'; address: string } | { kind: 'waiting'; reason: string; message: string };

function agentNotReady(err: unknown): string | undefined {
  if (!(err instanceof ProxmoxApiError || err instanceof ProxmoxTaskError)) return undefined;
  if (err.kind !== 'guest-agent') return undefined;
  switch (err.agentState) {
    case 'not-configured':
      return 'the VM has no guest agent configured (agent: enabled=1 is missing)';
    case 'vm-not-running':
      return 'the VM is not running';
    case 'timeout':
      return 'the guest agent did not answer in time';
    default:
      return 'the guest agent is not running yet';
  }
}

/** The MAC the machine's address belongs to: the allocated one, else net0's. */
export function machineMac(vm: FoundVM, network: MachineNetwork | undefined): string | undefined {
  if (network?.macAddress) return network.macAddress;
  const net0 = vm.config['net0'];
  return typeof net0 === 'string' ? parseNic(net0).macaddr : undefined;
}

/**
 * The machine's address as the agent reports it, or why there is none yet.
 *
 * @example
 *   await guestAgentAddress(api, vm, network, 600); // { kind: 'address', address: '10.0.0.21' }
 */
export async function guestAgentAddress(
  api: ProxmoxApi,
  vm: FoundVM,
  network: MachineNetwork | undefined,
  timeoutSec: number,
  signal?: AbortSignal,
): Promise<AgentAnswer> {
  const mac = machineMac(vm, network);
  const expected = network?.mode === 'static' ? network.address : undefined;
  const uptime = vm.status.uptime ?? 0;
  const late = uptime > timeoutSec;
  const waiting = (detail: string): AgentAnswer => ({
    kind: 'waiting',
    reason: late ? ProxmoxReasons.GuestAgentTimeout : ProxmoxReasons.WaitingForGuestAgent,
    message: late
      ? `VM ${vm.vmid} has run ${uptime} s and ${detail}: check that the template has qemu-guest-agent installed and enabled, and that cloud-init configures the network (guestAgentTimeoutSec ${timeoutSec})`
      : `VM ${vm.vmid} runs on ${vm.node}; ${detail}`,
  });
  let data: unknown;
  try {
    data = await api.get<unknown>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/agent/network-get-interfaces`,
      undefined,
      { timeoutMs: agentCallTimeoutMs, ...(signal ? { signal } : {}) },
    );
  } catch (err: unknown) {
    const notReady = agentNotReady(err);
    if (notReady) return waiting(notReady);
    if (hasKind(err, 'timeout') || hasKind(err, 'transient')) {
      return waiting('the guest agent did not answer in time');
    }
    throw providerError(err, `asking the guest agent of VM ${vm.vmid} for its addresses`);
  }
  const interfaces = agentInterfaces(data);
  const address = guestAddress(interfaces, {
    ...(mac ? { macAddress: mac } : {}),
    ...(expected ? { expected } : {}),
  });
  if (address) return { kind: 'address', address };
  const seen = reportedAddresses(interfaces);
  return waiting(
    expected
      ? `the guest agent reports ${seen.join(', ') || 'no address'}, not ${expected} yet`
      : `the guest agent reports no IPv4 address${mac ? ` on ${mac}` : ''} yet`,
  );
}

/** `cloud-init status` output → done, running, error, … (text or JSON). */
export function parseCloudInitStatus(output: string): string | undefined {
  const json = /"status"\s*:\s*"([^"]+)"/.exec(output);
  if (json?.[1]) return json[1];
  const text = /^status:\s*(.+)$/m.exec(output);
  return text?.[1]?.trim();
}

/**
 * Starts `cloud-init status` in the guest and returns the agent's pid. `command` is an
 * array parameter: pve-http-server joins repeated form values with NUL and splits array
 * parameters on NUL, so the words go as one NUL-separated value.
 */
export async function startCloudInitStatus(
  api: ProxmoxApi,
  vm: FoundVM,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const answer = await api.post<{ pid: number }>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/agent/exec`,
      { command: ['cloud-init', 'status'].join('\0') },
      { timeoutMs: agentCallTimeoutMs, ...(signal ? { signal } : {}) },
    );
    return answer.pid;
  } catch (err: unknown) {
    throw providerError(err, `running cloud-init status in VM ${vm.vmid}`);
  }
}

/** The result of a started `cloud-init status`, or undefined while it runs. */
export async function cloudInitStatusResult(
  api: ProxmoxApi,
  vm: FoundVM,
  pid: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const answer = await api.get<{ exited?: boolean | number; 'out-data'?: string }>(
      apiPath`/nodes/${vm.node}/qemu/${vm.vmid}/agent/exec-status`,
      { pid },
      { timeoutMs: agentCallTimeoutMs, ...(signal ? { signal } : {}) },
    );
    if (!answer.exited) return undefined;
    return parseCloudInitStatus(answer['out-data'] ?? '') ?? 'unknown';
  } catch (err: unknown) {
    throw providerError(err, `reading cloud-init status of VM ${vm.vmid}`);
  }
}
