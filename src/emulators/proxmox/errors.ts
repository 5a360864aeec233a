// Errors as the Proxmox VE API reports them: an HTTP status, a message (whose first line
// becomes the HTTP reason phrase, as pve-http-server does) and, for parameter errors, a
// map from parameter name to what is wrong with it.

export class PveError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;

  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'PveError';
    this.status = status;
    this.errors = errors;
  }
}

/** 400 "Parameter verification failed." with one message per parameter (raise_param_exc). */
export function parameterError(errors: Record<string, string>): PveError {
  return new PveError(400, 'Parameter verification failed.', errors);
}

/** 403 as RPCEnvironment's raise_perm_exc: "Permission check failed (/vms/100, VM.Clone)". */
export function permissionError(what?: string): PveError {
  return new PveError(403, what ? `Permission check failed (${what})` : 'Permission check failed');
}

/** 500: what a handler's `die "...\n"` becomes. */
export function serverError(message: string): PveError {
  return new PveError(500, message);
}

/** 500 "Configuration file 'nodes/<node>/qemu-server/<vmid>.conf' does not exist". */
export function noConfigFile(node: string, vmid: number): PveError {
  return serverError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
}

/** Thrown inside task workers: the task ends with this text as its exit status. */
export class TaskFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskFailure';
  }
}

/** The message of anything thrown, as the text a PVE worker would die with. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
