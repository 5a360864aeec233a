// The machine settings the Proxmox provider reads (template values `machine: {...}`,
// handed over as MachineRequest.settings), as a TypeBox schema the ClusterTemplate
// controller and the docs can use, plus the rules a schema cannot express. Every problem
// names its field; no setting is secret, but messages still never echo values at length.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/value';
import type { FieldCause } from '../../../api/errors.ts';
import { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';

// pve-node, pve-storage-id, pve-poolid, pve-bridge-id: as in pve-common's JSONSchema.
const nodeName = '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$';
const storageId = '^[a-z][a-z0-9\\-_.]*[a-z0-9]$';
const poolId = '^[A-Za-z0-9_\\-]+$';
const bridgeId = '^[-_.\\w\\d]+$';
const tag = '^[a-zA-Z0-9_][a-zA-Z0-9_\\-+.]*$';
// A Linux user name as useradd takes it (Debian's default NAME_REGEX, shorter than 32).
const ciUserPattern = '^[a-z_][a-z0-9_-]{0,30}$';

const VmId = Type.Integer({ minimum: 100, maximum: 999_999_999 });

export const TemplateSelector = Type.Object(
  {
    vmid: Type.Optional({ ...VmId, description: 'The template VM by its ID.' }),
    name: Type.Optional(
      Type.String({ minLength: 1, description: 'The template VM by name (one per node).' }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ pattern: tag }), {
        minItems: 1,
        description: 'The template VM carrying every one of these tags (one per node).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'The golden template to clone: exactly one of vmid, name or tags. A template on shared ' +
      'storage serves every node; otherwise each node needs its own copy.',
  },
);

export const ExtraDisk = Type.Object(
  {
    sizeGiB: Type.Integer({ minimum: 1, description: 'Size of the new disk.' }),
    storage: Type.Optional(
      Type.String({ pattern: storageId, description: 'Storage of the disk; default `storage`.' }),
    ),
  },
  { additionalProperties: false },
);

export const NicModels = ['virtio', 'e1000', 'e1000e', 'vmxnet3', 'rtl8139'] as const;

export const NetworkSettings = Type.Object(
  {
    bridge: Type.Optional(Type.String({ pattern: bridgeId, description: 'Default vmbr0.' })),
    vlan: Type.Optional(Type.Integer({ minimum: 1, maximum: 4094, description: 'VLAN tag.' })),
    model: Type.Optional(
      Type.Union(
        NicModels.map((m) => Type.Literal(m)),
        { description: 'NIC model; default virtio.' },
      ),
    ),
    mtu: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65_520, description: 'MTU (virtio only).' }),
    ),
  },
  { additionalProperties: false },
);

export const ProxmoxMachineSettings = Type.Object(
  {
    template: TemplateSelector,
    allowedNodes: Type.Optional(
      Type.Array(Type.String({ pattern: nodeName }), {
        minItems: 1,
        description: 'Nodes a machine may be placed on; default every online node.',
      }),
    ),
    clone: Type.Optional(
      Type.Union([Type.Literal('linked'), Type.Literal('full')], {
        description: 'Linked clone (default, shares the template disk) or full copy.',
      }),
    ),
    storage: Type.Optional(
      Type.String({ pattern: storageId, description: 'Target storage of a full clone.' }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('raw'), Type.Literal('qcow2'), Type.Literal('vmdk')], {
        description: 'Disk format of a full clone on file storage.',
      }),
    ),
    pool: Type.Optional(Type.String({ pattern: poolId, description: 'Resource pool.' })),
    vcpu: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 512, description: 'vCPUs; cores when cores is unset.' }),
    ),
    cores: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
    sockets: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 16 })),
    balloonMiB: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Ballooning target; 0 disables the balloon.' }),
    ),
    diskGiB: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Boot disk size; grown, never shrunk.' }),
    ),
    extraDisks: Type.Optional(Type.Array(ExtraDisk, { maxItems: 16 })),
    network: Type.Optional(NetworkSettings),
    isoStorage: Type.Optional(
      Type.String({
        pattern: storageId,
        description: 'File storage (content iso) for the NoCloud ISO; default local.',
      }),
    ),
    bootstrapMode: Type.Optional(
      Type.Union([Type.Literal('nocloud-iso'), Type.Literal('proxmox-cloudinit')], {
        description:
          'nocloud-iso (default): the boot data on an uploaded ISO. proxmox-cloudinit: ' +
          "Proxmox's own cloud-init drive (ciuser, sshkeys, ipconfig0, nameserver), then " +
          "Slipway's user-data over SSH with the credential's sshPrivateKey.",
      }),
    ),
    ciUser: Type.Optional(
      Type.String({
        pattern: ciUserPattern,
        description: 'proxmox-cloudinit: the user cloud-init creates and Slipway logs in as.',
      }),
    ),
    sshKeys: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'proxmox-cloudinit: more SSH public keys for ciUser (admins).',
      }),
    ),
    guestAgentTimeoutSec: Type.Optional(
      Type.Integer({
        minimum: 10,
        description: 'How long after start the guest agent may take to report the address.',
      }),
    ),
    waitForCloudInit: Type.Optional(
      Type.Boolean({ description: 'Wait for `cloud-init status` to be done (agent exec).' }),
    ),
    repairDrift: Type.Optional(
      Type.Boolean({ description: 'Put back cores and memory changed behind Slipway’s back.' }),
    ),
    vmidRange: Type.Optional(
      Type.Object({ from: VmId, to: VmId }, { additionalProperties: false }),
    ),
    stopGraceSec: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Clean shutdown time before a hard stop.' }),
    ),
  },
  { additionalProperties: false },
);
export type ProxmoxMachineSettings = Static<typeof ProxmoxMachineSettings>;

/** The settings with every default filled in, as the provider uses them. */
export interface ResolvedMachineSettings {
  template: { vmid: number } | { name: string } | { tags: string[] };
  allowedNodes?: string[];
  clone: 'linked' | 'full';
  storage?: string;
  format?: 'raw' | 'qcow2' | 'vmdk';
  pool?: string;
  cores: number;
  sockets: number;
  memoryMiB: number;
  balloonMiB?: number;
  diskGiB?: number;
  extraDisks: { sizeGiB: number; storage?: string }[];
  network: { bridge: string; vlan?: number; model: (typeof NicModels)[number]; mtu?: number };
  isoStorage: string;
  bootstrapMode: 'nocloud-iso' | 'proxmox-cloudinit';
  /** proxmox-cloudinit: the user to create and log in as (default `slipway`). */
  ciUser: string;
  sshKeys: string[];
  guestAgentTimeoutSec: number;
  waitForCloudInit: boolean;
  repairDrift: boolean;
  vmidRange?: { from: number; to: number };
  stopGraceSec: number;
}

export const settingsDefaults = {
  cores: 2,
  sockets: 1,
  memoryMiB: 2048,
  bridge: 'vmbr0',
  model: 'virtio',
  isoStorage: 'local',
  ciUser: 'slipway',
  guestAgentTimeoutSec: 600,
  stopGraceSec: 30,
} as const;

let compiled: TypeCheck<typeof ProxmoxMachineSettings> | undefined;

/** `/network/vlan` → `network.vlan`; `/extraDisks/0/sizeGiB` → `extraDisks[0].sizeGiB`. */
function fieldPath(pointer: string): string {
  let path = '';
  for (const segment of pointer.split('/').slice(1)) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path ? `.${segment}` : segment;
  }
  return path;
}

/** The first error of each field; TypeBox reports a union's failure once per branch. */
function schemaCauses(settings: unknown): FieldCause[] {
  compiled ??= TypeCompiler.Compile(ProxmoxMachineSettings);
  const causes = new Map<string, FieldCause>();
  for (const error of compiled.Errors(settings)) {
    const unknown = error.type === ValueErrorType.ObjectAdditionalProperties;
    const field = fieldPath(error.path) || '(settings)';
    if (causes.has(field)) continue;
    const union = error.type === ValueErrorType.Union && 'anyOf' in error.schema;
    const choices = union
      ? (error.schema.anyOf as { const?: unknown }[])
          .map((s) => s.const)
          .filter((c) => c !== undefined)
      : [];
    causes.set(field, {
      field,
      message: unknown
        ? 'unknown field'
        : choices.length > 0
          ? `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`
          : error.message,
      reason: unknown ? 'FieldValueNotSupported' : 'FieldValueInvalid',
    });
  }
  return [...causes.values()];
}

function ruleCauses(s: ProxmoxMachineSettings): FieldCause[] {
  const causes: FieldCause[] = [];
  const invalid = (field: string, message: string) =>
    causes.push({ field, message, reason: 'FieldValueInvalid' });
  const selectors = (['vmid', 'name', 'tags'] as const).filter((k) => s.template[k] !== undefined);
  if (selectors.length !== 1) {
    invalid(
      'template',
      selectors.length === 0
        ? 'choose the template by one of vmid, name or tags'
        : `choose the template by one of vmid, name or tags, not ${selectors.join(' and ')}`,
    );
  }
  const clone = s.clone ?? 'linked';
  if (clone === 'linked' && s.storage !== undefined) {
    invalid('storage', 'a linked clone stays on the template’s storage: set clone: full');
  }
  if (clone === 'linked' && s.format !== undefined) {
    invalid('format', 'only a full clone can choose its disk format: set clone: full');
  }
  const memory = s.memoryMiB ?? settingsDefaults.memoryMiB;
  if (s.balloonMiB !== undefined && s.balloonMiB > memory) {
    invalid('balloonMiB', `must not exceed memoryMiB (${memory})`);
  }
  if (s.vmidRange && s.vmidRange.from > s.vmidRange.to) {
    invalid('vmidRange', 'from must not be greater than to');
  }
  if (s.network?.mtu !== undefined && (s.network.model ?? 'virtio') !== 'virtio') {
    invalid('network.mtu', 'Proxmox sets an MTU only on virtio NICs');
  }
  if (s.vcpu !== undefined && s.cores !== undefined && s.vcpu !== s.cores * (s.sockets ?? 1)) {
    invalid('vcpu', 'disagrees with cores × sockets: set one or the other');
  } else if (s.vcpu !== undefined && s.vcpu % (s.sockets ?? 1) !== 0) {
    invalid('vcpu', `must be a multiple of sockets (${s.sockets ?? 1})`);
  }
  const cloudInitOnly = ['ciUser', 'sshKeys'] as const;
  if ((s.bootstrapMode ?? 'nocloud-iso') === 'nocloud-iso') {
    for (const key of cloudInitOnly) {
      if (s[key] !== undefined) invalid(key, 'only used with bootstrapMode: proxmox-cloudinit');
    }
  }
  return causes;
}

/** Every problem with the settings, with field paths relative to them (`network.vlan`). */
export function validateProxmoxSettings(settings: unknown): FieldCause[] {
  const causes = schemaCauses(settings);
  return causes.length > 0 ? causes : ruleCauses(settings as ProxmoxMachineSettings);
}

/**
 * The machine settings, checked and completed with defaults; throws a
 * {@link ProxmoxProviderError} `InvalidSettings` (not retryable) naming every bad field.
 *
 * @example
 *   const s = readProxmoxSettings({ template: { name: 'ubuntu-2404' }, vcpu: 4 });
 *   s.cores; // 4
 */
export function readProxmoxSettings(settings: unknown): ResolvedMachineSettings {
  const causes = validateProxmoxSettings(settings);
  if (causes.length > 0) {
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join('; ');
    throw new ProxmoxProviderError(
      ProxmoxReasons.InvalidSettings,
      `invalid Proxmox machine settings: ${summary}`,
      false,
      causes,
    );
  }
  const s = settings as ProxmoxMachineSettings;
  const template =
    s.template.vmid !== undefined
      ? { vmid: s.template.vmid }
      : s.template.name !== undefined
        ? { name: s.template.name }
        : { tags: [...(s.template.tags ?? [])].map((t) => t.toLowerCase()) };
  const sockets = s.sockets ?? settingsDefaults.sockets;
  const resolved: ResolvedMachineSettings = {
    template,
    clone: s.clone ?? 'linked',
    cores: s.cores ?? (s.vcpu !== undefined ? s.vcpu / sockets : settingsDefaults.cores),
    sockets,
    memoryMiB: s.memoryMiB ?? settingsDefaults.memoryMiB,
    extraDisks: (s.extraDisks ?? []).map((d) => ({ ...d })),
    network: {
      bridge: s.network?.bridge ?? settingsDefaults.bridge,
      model: s.network?.model ?? settingsDefaults.model,
      ...(s.network?.vlan !== undefined ? { vlan: s.network.vlan } : {}),
      ...(s.network?.mtu !== undefined ? { mtu: s.network.mtu } : {}),
    },
    isoStorage: s.isoStorage ?? settingsDefaults.isoStorage,
    bootstrapMode: s.bootstrapMode ?? 'nocloud-iso',
    ciUser: s.ciUser ?? settingsDefaults.ciUser,
    sshKeys: [...(s.sshKeys ?? [])],
    guestAgentTimeoutSec: s.guestAgentTimeoutSec ?? settingsDefaults.guestAgentTimeoutSec,
    waitForCloudInit: s.waitForCloudInit ?? false,
    repairDrift: s.repairDrift ?? false,
    stopGraceSec: s.stopGraceSec ?? settingsDefaults.stopGraceSec,
  };
  if (s.allowedNodes) resolved.allowedNodes = [...s.allowedNodes];
  if (s.storage !== undefined) resolved.storage = s.storage;
  if (s.format !== undefined) resolved.format = s.format;
  if (s.pool !== undefined) resolved.pool = s.pool;
  if (s.balloonMiB !== undefined) resolved.balloonMiB = s.balloonMiB;
  if (s.diskGiB !== undefined) resolved.diskGiB = s.diskGiB;
  if (s.vmidRange) resolved.vmidRange = { ...s.vmidRange };
  return resolved;
}
