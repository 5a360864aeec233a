// Privileges of a token or user, as ACL entries: an ACL path and the privileges granted
// there. As in PVE, an entry applies to its path and everything below it, and the most
// specific path with an entry decides (a role set on /vms/100 replaces what / gave).
// Simplified: no roles, groups or propagate=0, and a token's privileges are its own
// (PVE intersects a privilege-separated token's with its user's).

/** Every privilege of PVE 9 (pve-access-control, PVE::AccessControl). */
export const allPrivileges = [
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Group.Allocate',
  'Mapping.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Permissions.Modify',
  'Pool.Allocate',
  'Pool.Audit',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Sys.AccessNetwork',
  'Sys.Audit',
  'Sys.Console',
  'Sys.Incoming',
  'Sys.Modify',
  'Sys.PowerMgmt',
  'Sys.Syslog',
  'User.Modify',
  'VM.Allocate',
  'VM.Audit',
  'VM.Backup',
  'VM.Clone',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Console',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.FileRead',
  'VM.GuestAgent.FileSystemMgmt',
  'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.Unrestricted',
  'VM.Migrate',
  'VM.PowerMgmt',
  'VM.Replicate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
] as const;

const knownPrivileges = new Set<string>(allPrivileges);

/** `'all'` (root-like), or ACL path → privileges granted there. */
export type Privileges = 'all' | Readonly<Record<string, readonly string[]>>;

/** Throws a clear error for an ACL path that is not absolute or an unknown privilege. */
export function checkPrivilegesOption(privileges: Privileges, where: string): void {
  if (privileges === 'all') return;
  for (const [path, privs] of Object.entries(privileges)) {
    if (!path.startsWith('/')) throw new Error(`${where}: ACL path "${path}" must start with /`);
    for (const priv of privs) {
      if (!knownPrivileges.has(priv)) throw new Error(`${where}: unknown privilege "${priv}"`);
    }
  }
}

function normalize(path: string): string {
  const trimmed = path.replace(/\/+/g, '/').replace(/\/$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The privileges in effect on `path`. */
export function privilegesOn(privileges: Privileges, path: string): Set<string> {
  if (privileges === 'all') return new Set(allPrivileges);
  let at = normalize(path);
  for (;;) {
    const granted = privileges[at];
    if (granted) return new Set(granted);
    if (at === '/') return new Set();
    const slash = at.lastIndexOf('/');
    at = slash <= 0 ? '/' : at.slice(0, slash);
  }
}

/** Whether `privs` are held on `path`: all of them, or with `any` at least one. */
export function holds(
  privileges: Privileges,
  path: string,
  privs: readonly string[],
  any = false,
): boolean {
  const have = privilegesOn(privileges, path);
  return any ? privs.some((p) => have.has(p)) : privs.every((p) => have.has(p));
}

/** GET /access/permissions: ACL path → { privilege: 1 } (propagate), or one path's. */
export function permissionsDump(
  privileges: Privileges,
  path?: string,
): Record<string, Record<string, number>> {
  const asMap = (set: Set<string>) => Object.fromEntries([...set].sort().map((p) => [p, 1]));
  if (path !== undefined) return { [path]: asMap(privilegesOn(privileges, path)) };
  if (privileges === 'all') return { '/': asMap(new Set(allPrivileges)) };
  return Object.fromEntries(
    Object.keys(privileges).map((acl) => [acl, asMap(privilegesOn(privileges, acl))]),
  );
}
