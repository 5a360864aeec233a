// What K3s would do on a VM, read from the cloud-init user-data the VM was given:
// config.yaml (and its drop-ins) from write_files, the CA files on a first server, the
// installer's environment and mode from runcmd, and the hostname. Nothing here touches
// the simulated clusters; node-boot.ts acts on the plan.
import { parse } from 'yaml';
import { CloudConfigError, localHostnameFrom, readCloudConfig } from './cloud-config.ts';
import type { CloudConfigView } from './cloud-config.ts';
import { simClusterIdFromHostName, simClusterIdFromServerUrl } from './endpoint.ts';
import type { SimNode } from './child-cluster-types.ts';

export const k3sConfigPath = '/etc/rancher/k3s/config.yaml';
export const k3sTlsDir = '/var/lib/rancher/k3s/server/tls';

export interface K3sBootPlan {
  hostname: string;
  /** `node-name`, else the hostname (lower-cased, as the kubelet does). */
  nodeName: string;
  role: 'server' | 'agent';
  /** A server without `server:` starts a new cluster; everything else joins one. */
  initialize: boolean;
  /** cluster-init on the first server, or a joining server: the node runs etcd. */
  embeddedEtcd: boolean;
  /** `namespace/name` of the simulated cluster (see docs/providers/infrastructure.md). */
  clusterId: string;
  /** `server:` (or K3S_URL): where a joining node finds the cluster. */
  serverUrl?: string;
  token: string;
  /** INSTALL_K3S_VERSION. */
  version: string;
  /** `node-ip`, when the config sets it. */
  nodeIP?: string;
  labels: Record<string, string>;
  taints: SimNode['taints'];
  /** The CA files a first server was given (Slipway owns the PKI). */
  ca?: { serverCert: string; serverKey: string; clientCert: string };
}

export type K3sPlanResult =
  { ok: true; plan: K3sBootPlan } | { ok: false; reason: 'BootFailed'; message: string };

export interface K3sPlanInput {
  userData: string;
  metaData: string;
  /** Used when neither cloud-config nor meta-data sets a hostname. */
  fallbackHostname: string;
  /** The Machine's own cluster: used when the rendered data names no simulated cluster. */
  fallbackClusterId: string;
}

type Config = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function strings(value: unknown): string[] {
  return asList(value).flatMap((v) => (typeof v === 'string' ? v.split(',') : [String(v)]));
}

/** config.yaml, then config.yaml.d/*.yaml in name order; `key+:` appends (K3s docs). */
function readK3sConfig(files: Map<string, Buffer>): Config {
  const dropIns = [...files.keys()]
    .filter((p) => p.startsWith(`${k3sConfigPath}.d/`) && /\.ya?ml$/.test(p))
    .sort();
  const merged: Config = {};
  for (const path of [k3sConfigPath, ...dropIns]) {
    const bytes = files.get(path);
    if (!bytes) continue;
    let doc: unknown;
    try {
      doc = parse(bytes.toString('utf8'));
    } catch (err: unknown) {
      throw new CloudConfigError(`${path} is not valid YAML: ${(err as Error).message}`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw new CloudConfigError(`${path} must be a YAML mapping`);
    for (const [key, value] of Object.entries(doc)) {
      if (key.endsWith('+')) {
        const base = key.slice(0, -1);
        merged[base] = [...asList(merged[base]), ...asList(value)];
      } else {
        merged[key] = value;
      }
    }
  }
  return merged;
}

/** Shell text the installer runs: the commands, plus any written script a command names. */
function installerText(view: CloudConfigView): string {
  const scripts = [...view.files.entries()]
    .filter(([path]) => view.commands.some((c) => c.includes(path)))
    .map(([, bytes]) => bytes.toString('utf8'));
  return [...view.commands, ...scripts].join('\n');
}

function envValue(text: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|[\\s;&|(])${name}=("([^"]*)"|'([^']*)'|([^\\s;&|)]*))`).exec(text);
  if (!match) return undefined;
  return match[2] ?? match[3] ?? match[4];
}

/**
 * The install script's mode: explicit (`sh -s - agent`, `sh '/path/install.sh' server`,
 * INSTALL_K3S_EXEC), else agent when K3S_URL is set, else server (as get.k3s.io decides).
 */
function installMode(text: string, hasK3sUrl: boolean): 'server' | 'agent' {
  const explicit =
    /\bsh\s+-s\s+-\s+(server|agent)\b/.exec(text)?.[1] ??
    /\.sh['"]?\s+(server|agent)\b/.exec(text)?.[1] ??
    /^(server|agent)\b/.exec(envValue(text, 'INSTALL_K3S_EXEC') ?? '')?.[1];
  if (explicit === 'server' || explicit === 'agent') return explicit;
  return hasK3sUrl ? 'agent' : 'server';
}

function parseTaint(spec: string): SimNode['taints'][number] {
  const [keyValue = '', effect = ''] = spec.split(':');
  const [key = '', value] = keyValue.split('=');
  if (!key || !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
    throw new CloudConfigError(`invalid node-taint "${spec}" (want key[=value]:Effect)`);
  }
  return value !== undefined ? { key, value, effect } : { key, effect };
}

function nodeLabels(config: Config): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of strings(config['node-label'])) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new CloudConfigError(`invalid node-label "${entry}" (want key=value)`);
    labels[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return labels;
}

function fileText(files: Map<string, Buffer>, name: string): string | undefined {
  return files.get(`${k3sTlsDir}/${name}`)?.toString('utf8');
}

function firstServerClusterId(config: Config, fallback: string): string {
  for (const san of strings(config['tls-san'])) {
    const id = simClusterIdFromHostName(san.trim());
    if (id) return id;
  }
  return fallback;
}

function plan(input: K3sPlanInput): K3sBootPlan {
  const view = readCloudConfig(input.userData);
  const config = readK3sConfig(view.files);
  const text = installerText(view);
  if (!/k3s/i.test(text)) {
    throw new CloudConfigError(
      'no command installs K3s (runcmd names no get.k3s.io, install.sh or k3s)',
    );
  }
  const version = envValue(text, 'INSTALL_K3S_VERSION');
  if (!version) throw new CloudConfigError('the K3s installer is run without INSTALL_K3S_VERSION');
  const k3sUrl = envValue(text, 'K3S_URL');
  const role = installMode(text, k3sUrl !== undefined);
  const serverUrl = k3sUrl ?? (typeof config['server'] === 'string' ? config['server'] : undefined);
  const tokenFile = typeof config['token-file'] === 'string' ? config['token-file'] : undefined;
  const token =
    envValue(text, 'K3S_TOKEN') ??
    (typeof config['token'] === 'string' ? config['token'] : undefined) ??
    (tokenFile ? view.files.get(tokenFile)?.toString('utf8').trim() : undefined);
  if (!token) throw new CloudConfigError('--token is required (config.yaml has no token)');
  if (role === 'agent' && !serverUrl) throw new CloudConfigError('--server is required');
  if (serverUrl !== undefined && !serverUrl.startsWith('https://')) {
    throw new CloudConfigError(`server URL must use https://: "${serverUrl}"`);
  }
  const initialize = role === 'server' && !serverUrl;
  const hostname = view.hostname ?? localHostnameFrom(input.metaData) ?? input.fallbackHostname;
  const nodeName = (
    typeof config['node-name'] === 'string' ? config['node-name'] : hostname
  ).toLowerCase();
  const result: K3sBootPlan = {
    hostname,
    nodeName,
    role,
    initialize,
    embeddedEtcd: role === 'server' && (!initialize || config['cluster-init'] === true),
    clusterId: initialize
      ? firstServerClusterId(config, input.fallbackClusterId)
      : (simClusterIdFromServerUrl(serverUrl ?? '') ?? input.fallbackClusterId),
    token,
    version,
    labels: nodeLabels(config),
    taints: strings(config['node-taint']).map((t) => parseTaint(t.trim())),
  };
  if (serverUrl !== undefined) result.serverUrl = serverUrl;
  if (typeof config['node-ip'] === 'string') result.nodeIP = config['node-ip'].split(',')[0] ?? '';
  if (initialize) {
    const serverCert = fileText(view.files, 'server-ca.crt');
    const serverKey = fileText(view.files, 'server-ca.key');
    const clientCert = fileText(view.files, 'client-ca.crt');
    if (!serverCert || !serverKey || !clientCert) {
      throw new CloudConfigError(
        `the first server was given no ${k3sTlsDir}/server-ca.crt, server-ca.key and client-ca.crt (the sim needs Slipway's CA; it does not generate one)`,
      );
    }
    result.ca = { serverCert, serverKey, clientCert };
  }
  return result;
}

/** Read what K3s would do from a VM's boot data; a problem becomes `BootFailed`. */
export function planK3sBoot(input: K3sPlanInput): K3sPlanResult {
  try {
    return { ok: true, plan: plan(input) };
  } catch (err: unknown) {
    if (err instanceof CloudConfigError)
      return { ok: false, reason: 'BootFailed', message: err.message };
    throw err;
  }
}
