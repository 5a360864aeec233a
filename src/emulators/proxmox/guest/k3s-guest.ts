// K3s on an emulated guest, reusing the sim's K3s model (planK3sBoot, bootSimNode). What
// differs from the sim provider is how a node finds its cluster: as on real hardware, a
// joining node reaches the cluster through the `server:` URL — whichever simulated
// cluster serves at that address and port is the one it joins — and a first server's
// cluster is named after its CA (`pve/<first 16 hex of the CA hash>`), the identity every
// K10 join token of that cluster pins. A server node then serves the API at its address
// and at its VIP (kube-vip manifest, or a tls-san address that is no guest's own).
import { isIPv4 } from 'node:net';
import { parse, parseAllDocuments } from 'yaml';
import { readCloudConfig } from '../../../providers/infrastructure/sim/cloud-config.ts';
import type { PersistentSimClusterRegistry } from '../../../providers/infrastructure/sim/child-api/registry.ts';
import { k3sCAHash } from '../../../providers/infrastructure/sim/k3s-token.ts';
import { k3sConfigPath, planK3sBoot } from '../../../providers/infrastructure/sim/k3s-plan.ts';
import {
  bootSimNode,
  SimBootReasons,
  type SimBootOutcome,
} from '../../../providers/infrastructure/sim/node-boot.ts';
import type { ApiEndpoints } from './api-endpoints.ts';

/** Placeholder the plan falls back to; replaced by the CA- or URL-derived id. */
const unnamed = 'pve/unnamed';

export interface K3sGuestInput {
  vmid: number;
  userData: string;
  metaData: string;
  /** The guest's IPv4 address. */
  address: string;
  registry: PersistentSimClusterRegistry;
  endpoints: ApiEndpoints;
  /** Every guest's own address (to tell a VIP from a node address in tls-san). */
  guestAddresses: ReadonlySet<string>;
}

export interface K3sGuestResult {
  /** Undefined when the user-data does not install K3s at all. */
  outcome?: SimBootOutcome;
  /** Why the API could not be served (address not bindable, …). */
  problem?: string;
}

type Doc = Record<string, unknown>;
const isRecord = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

function k3sConfig(files: Map<string, Buffer>): Doc {
  const merged: Doc = {};
  const paths = [
    k3sConfigPath,
    ...[...files.keys()].filter((p) => p.startsWith(`${k3sConfigPath}.d/`)).sort(),
  ];
  for (const path of paths) {
    const text = files.get(path)?.toString('utf8');
    if (text === undefined) continue;
    try {
      const doc: unknown = parse(text);
      if (isRecord(doc)) Object.assign(merged, doc);
    } catch {
      // planK3sBoot reports unreadable config; nothing more to learn here
    }
  }
  return merged;
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim());
}

/** kube-vip's `address` (or deprecated `vip_address`) from manifests K3s would apply. */
function kubeVipAddresses(files: Map<string, Buffer>): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isRecord(node)) {
      if (
        (node['name'] === 'address' || node['name'] === 'vip_address') &&
        typeof node['value'] === 'string'
      ) {
        found.push(node['value']);
      }
      Object.values(node).forEach(walk);
    }
  };
  for (const [path, bytes] of files) {
    if (!path.startsWith('/var/lib/rancher/k3s/server/manifests/')) continue;
    const text = bytes.toString('utf8');
    if (!text.includes('kube-vip')) continue;
    for (const doc of parseAllDocuments(text)) walk(doc.toJS());
  }
  return found;
}

function providerIdOf(config: Doc, nodeName: string): string {
  for (const arg of list(config['kubelet-arg'])) {
    const m = /^--?provider-id=(.+)$|^provider-id=(.+)$/.exec(arg);
    if (m) return m[1] ?? m[2] ?? '';
  }
  return `k3s://${nodeName}`; // what K3s sets when nobody gives one
}

/** Boot K3s on the guest and serve its API if it is a server that joined. */
export async function bootK3sGuest(input: K3sGuestInput): Promise<K3sGuestResult> {
  const planned = planK3sBoot({
    userData: input.userData,
    metaData: input.metaData,
    fallbackHostname: `vm-${input.vmid}`,
    fallbackClusterId: unnamed,
  });
  if (!planned.ok) {
    if (/no command installs K3s/.test(planned.message)) return {};
    return { outcome: { status: 'failed', reason: planned.reason, message: planned.message } };
  }
  const plan = planned.plan;
  let clusterId = plan.clusterId;
  let unreachable: string | undefined;
  if (clusterId === unnamed && plan.initialize && plan.ca) {
    clusterId = `pve/${k3sCAHash(plan.ca.serverCert).slice(0, 16)}`;
  } else if (clusterId === unnamed && plan.serverUrl) {
    const url = new URL(plan.serverUrl);
    const port = Number(url.port || 443);
    clusterId = input.endpoints.clusterAt(url.hostname, port) ?? unnamed;
    if (clusterId === unnamed) {
      unreachable = `Failed to validate connection to cluster at ${plan.serverUrl}: failed to get CA certs: Get "${plan.serverUrl.replace(/\/$/, '')}/cacerts": dial tcp ${url.hostname}:${port}: connect: connection refused`;
    }
  }
  const slash = clusterId.indexOf('/');
  const files = readCloudConfig(input.userData).files;
  const config = k3sConfig(files);
  const outcome = await bootSimNode({
    userData: input.userData,
    metaData: input.metaData,
    namespace: clusterId.slice(0, slash),
    clusterName: clusterId.slice(slash + 1),
    machineName: plan.hostname,
    address: input.address,
    providerID: providerIdOf(config, plan.nodeName),
    registry: input.registry,
    now: new Date(),
    ready: true,
  });
  if (outcome.status === 'waiting' && unreachable) {
    return {
      outcome: { ...outcome, reason: SimBootReasons.WaitingForServer, message: unreachable },
    };
  }
  if (outcome.status !== 'joined' || outcome.role !== 'server' || !outcome.clusterId)
    return { outcome };
  const vips = [
    ...kubeVipAddresses(files),
    ...list(config['tls-san']).filter(
      (san) => isIPv4(san) && san !== input.address && !input.guestAddresses.has(san),
    ),
  ];
  const names = [...list(config['tls-san']), ...vips];
  const problems: string[] = [];
  for (const address of [input.address, ...new Set(vips)]) {
    const problem = await input.endpoints.hold(address, outcome.clusterId, input.vmid, names);
    if (problem) problems.push(problem);
  }
  return problems.length > 0 ? { outcome, problem: problems.join('; ') } : { outcome };
}
