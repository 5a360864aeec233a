// The `permissions` of an API method, evaluated as RPCEnvironment::check_api2_permissions
// does: `user: all` lets every authenticated caller in (the handler filters what it
// shows), a `check` expression (`perm`, `and`, `or`) is evaluated against the caller's
// privileges with `{param}` placeholders filled in, and a method without either is for
// root@pam only. The first failing `perm` names the path and privilege in the 403.
import { permissionError } from './errors.ts';
import { holds, type Privileges } from './privileges.ts';

export interface Caller {
  /** `user@realm` or `user@realm!tokenid`. */
  userid: string;
  privileges: Privileges;
}

export interface MethodPermissions {
  user?: string;
  check?: unknown[];
  description?: string;
}

function fill(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => params[name] ?? '');
}

function normalize(path: string): string {
  const trimmed = path.replace(/\/+/g, '/').replace(/\/$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Options after the privilege list: `'any', 1, 'require_param', 'pool'`. */
function options(rest: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) out[String(rest[i])] = rest[i + 1];
  return out;
}

/** Whether `check` passes; throws the 403 PVE would when it does not and !noerr. */
export function evaluateCheck(
  check: unknown[],
  caller: Caller,
  params: Readonly<Record<string, string>>,
  noerr = false,
): boolean {
  const [test, ...args] = check;
  if (test === 'or') {
    if (args.some((sub) => Array.isArray(sub) && evaluateCheck(sub, caller, params, true))) {
      return true;
    }
    if (noerr) return false;
    throw permissionError();
  }
  if (test === 'and') {
    for (const sub of args) {
      if (!Array.isArray(sub) || !evaluateCheck(sub, caller, params, noerr)) return false;
    }
    return true;
  }
  if (test === 'perm') {
    const [template, privs, ...rest] = args;
    const opts = options(rest);
    const required = opts['require_param'];
    if (typeof required === 'string' && params[required] === undefined) {
      if (noerr) return false;
      throw permissionError();
    }
    const path = normalize(fill(String(template), params));
    const list = Array.isArray(privs) ? privs.map(String) : [];
    const any = Boolean(opts['any']);
    if (holds(caller.privileges, path, list, any)) return true;
    if (noerr) return false;
    if (any) throw permissionError(`${path}, ${list.join('|')}`);
    const missing = list.find((p) => !holds(caller.privileges, path, [p]));
    throw permissionError(`${path}, ${missing ?? list.join('|')}`);
  }
  // userid-param, userid-group, perm-modify: only /access methods the emulator does not
  // implement use these; refuse rather than guess.
  if (noerr) return false;
  throw permissionError();
}

/** Check a method's permissions for an authenticated caller (root@pam passes everything). */
export function checkMethodPermissions(
  permissions: MethodPermissions | undefined,
  caller: Caller,
  params: Readonly<Record<string, string>>,
): void {
  if (caller.userid === 'root@pam') return;
  if (!permissions) throw permissionError('user != root@pam');
  if (permissions.user === 'all' || permissions.user === 'world') return;
  if (permissions.check) {
    evaluateCheck(permissions.check, caller, params);
    return;
  }
  throw permissionError();
}

/** A check a handler makes itself ($rpcenv->check), e.g. Datastore.AllocateSpace on a storage. */
export function requirePrivileges(caller: Caller, path: string, privs: readonly string[]): void {
  if (caller.userid === 'root@pam') return;
  for (const priv of privs) {
    if (!holds(caller.privileges, path, [priv])) throw permissionError(`${path}, ${priv}`);
  }
}

/** Whether the caller holds any of `privs` on `path` (list filtering). */
export function mayAny(caller: Caller, path: string, privs: readonly string[]): boolean {
  return caller.userid === 'root@pam' || holds(caller.privileges, path, privs, true);
}
