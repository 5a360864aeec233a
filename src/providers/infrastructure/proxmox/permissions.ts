// The privileges Slipway needs, checked against what `GET /access/permissions` says the
// token holds ({ "/path": { "Priv.Name": 1|0 } }). A privilege counts when any path grants
// it: tokens are often limited to a pool (/pool/slipway) or one storage, and which paths
// matter depends on the template and storage chosen later. The Credential condition lists
// what is missing, with the pveum command that fixes it in docs/providers/proxmox.md.

/** Privileges and what each is for (shown in the message when one is missing). */
export const requiredPrivileges: Readonly<Record<string, string>> = {
  'VM.Audit': 'read VM configs and status',
  'VM.Clone': 'clone the template',
  'VM.Allocate': 'create and delete VMs',
  'VM.Config.CPU': 'set cores and sockets',
  'VM.Config.Memory': 'set memory and balloon',
  'VM.Config.Network': 'set the NIC',
  'VM.Config.Disk': 'grow the boot disk and add disks',
  'VM.Config.CDROM': 'attach the boot-data ISO',
  'VM.Config.Options': 'set tags, description and the guest agent',
  'VM.Config.Cloudinit': 'set Proxmox cloud-init fields',
  'VM.PowerMgmt': 'start and stop VMs',
  'Datastore.Audit': 'list storages and ISO images',
  'Datastore.AllocateSpace': 'allocate disks',
  'Datastore.AllocateTemplate': 'upload the boot-data ISO',
  'Datastore.Allocate': 'delete the boot-data ISO',
  'Sys.Audit': 'read node memory for placement',
  'SDN.Use': 'attach NICs to the bridge (/sdn/zones/localnetwork/<bridge>)',
};

/** Reading guest-agent data: VM.GuestAgent.Audit on Proxmox VE 9, VM.Monitor before. */
export function agentPrivilege(pveMajorVersion: number): string {
  return pveMajorVersion >= 9 ? 'VM.GuestAgent.Audit' : 'VM.Monitor';
}

export type PermissionMap = Readonly<Record<string, Readonly<Record<string, number | boolean>>>>;

/** Every privilege the token holds on any path. */
export function heldPrivileges(permissions: PermissionMap): Set<string> {
  const held = new Set<string>();
  for (const privileges of Object.values(permissions)) {
    for (const [name, value] of Object.entries(privileges ?? {})) {
      if (value !== undefined && value !== null) held.add(name);
    }
  }
  return held;
}

/**
 * The privileges Slipway needs that the token holds nowhere, in a stable order.
 *
 * @example
 *   missingPrivileges({ '/': { 'VM.Audit': 1 } }, 9); // ['VM.Clone', 'VM.Allocate', …]
 */
export function missingPrivileges(
  permissions: PermissionMap,
  pveMajorVersion: number,
  extra: readonly string[] = [],
): string[] {
  const held = heldPrivileges(permissions);
  const wanted = [...Object.keys(requiredPrivileges), agentPrivilege(pveMajorVersion), ...extra];
  return wanted.filter((p, i) => !held.has(p) && wanted.indexOf(p) === i);
}

export function describeMissing(missing: readonly string[]): string {
  return missing
    .map((p) => (requiredPrivileges[p] ? `${p} (${requiredPrivileges[p]})` : p))
    .join(', ');
}
