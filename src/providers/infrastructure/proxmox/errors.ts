// What the Proxmox provider reports and throws: stable CamelCase reasons (they become
// Machine and Credential condition reasons) and one error class carrying a reason and
// whether retrying may help, as the infrastructure contract asks.
import type { FieldCause } from '../../../api/errors.ts';
import { isRetryable, ProxmoxApiError, ProxmoxTaskError } from './api/errors.ts';

/** Reasons of observations, errors and credential checks. */
export const ProxmoxReasons = {
  /** The machine settings break the schema or its rules; the message names the fields. */
  InvalidSettings: 'InvalidSettings',
  /** The credential's config or secret is incomplete or malformed. */
  InvalidCredential: 'InvalidCredential',
  /** The token or password was refused (401). */
  AuthenticationFailed: 'AuthenticationFailed',
  /** The API cannot be reached (connection refused, DNS, timeout). */
  Unreachable: 'Unreachable',
  /** The server's certificate did not match the configured CA or fingerprint. */
  TLSVerificationFailed: 'TLSVerificationFailed',
  /** The token works but lacks privileges; the message lists them. */
  MissingPrivileges: 'MissingPrivileges',
  /** Proxmox refused a call for lack of a privilege (403). */
  PermissionDenied: 'PermissionDenied',
  CredentialValid: 'CredentialValid',
  /** No template, or more than one, matches the selector. */
  TemplateNotFound: 'TemplateNotFound',
  AmbiguousTemplate: 'AmbiguousTemplate',
  /** No allowed node is online, has the template and has room. */
  NoNodeAvailable: 'NoNodeAvailable',
  /** Clone slots of the template or storage are all taken; the clone waits its turn. */
  WaitingForCloneSlot: 'WaitingForCloneSlot',
  CloningVM: 'CloningVM',
  WaitingForCloneTask: 'WaitingForCloneTask',
  UploadingBootstrapISO: 'UploadingBootstrapISO',
  ConfiguringVM: 'ConfiguringVM',
  ResizingDisk: 'ResizingDisk',
  /** The template's disk is larger than diskGiB: Proxmox cannot shrink a disk. */
  DiskShrinkRejected: 'DiskShrinkRejected',
  StartingVM: 'StartingVM',
  WaitingForGuestAgent: 'WaitingForGuestAgent',
  /** The agent has not reported the address within guestAgentTimeoutSec. */
  GuestAgentTimeout: 'GuestAgentTimeout',
  WaitingForCloudInit: 'WaitingForCloudInit',
  /** proxmox-cloudinit: the credential's Secret has no usable sshPrivateKey. */
  SSHKeyMissing: 'SSHKeyMissing',
  /** proxmox-cloudinit: the VM has its address; SSH does not let Slipway in yet. */
  WaitingForSSH: 'WaitingForSSH',
  /** proxmox-cloudinit: Slipway's user-data runs through cloud-init over SSH. */
  RunningSSHBootstrap: 'RunningSSHBootstrap',
  /** proxmox-cloudinit: the user-data failed over SSH (the message ends with stderr). */
  SSHBootstrapFailed: 'SSHBootstrapFailed',
  CloudInitFailed: 'CloudInitFailed',
  /** Cores or memory differ from the settings (reported; repaired with repairDrift). */
  ConfigDrift: 'ConfigDrift',
  RepairingConfigDrift: 'RepairingConfigDrift',
  VMRunning: 'VMRunning',
  VMStopped: 'VMStopped',
  /** A task (clone, config, start, …) ended with an error. */
  ProxmoxTaskFailed: 'ProxmoxTaskFailed',
  /** A VM or storage lock was busy; retried with backoff. */
  StorageLocked: 'StorageLocked',
  /** Any other API failure. */
  ProxmoxAPIError: 'ProxmoxAPIError',
  /** A VM of ours with a name but another machine's identity, or broken beyond repair. */
  VMConflict: 'VMConflict',
  StoppingVM: 'StoppingVM',
  DeletingVM: 'DeletingVM',
  DeletingBootstrapISO: 'DeletingBootstrapISO',
  VMDeleted: 'VMDeleted',
} as const;

/** An error of the Proxmox provider with a stable CamelCase `reason`, for conditions. */
export class ProxmoxProviderError extends Error {
  readonly reason: string;
  /** Whether retrying the same call may succeed. */
  readonly retryable: boolean;
  /** Field paths of bad settings, relative to the settings (`network.vlan`). */
  readonly causes: readonly FieldCause[];

  constructor(
    reason: string,
    message: string,
    retryable: boolean,
    causes: readonly FieldCause[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProxmoxProviderError';
    this.reason = reason;
    this.retryable = retryable;
    this.causes = causes;
  }
}

/** The reason a Proxmox API or task failure is reported under. */
export function reasonOf(err: unknown): string {
  if (err instanceof ProxmoxProviderError) return err.reason;
  if (err instanceof ProxmoxApiError || err instanceof ProxmoxTaskError) {
    if (err.kind === 'locked') return ProxmoxReasons.StorageLocked;
    if (err.kind === 'authentication') return ProxmoxReasons.AuthenticationFailed;
    if (err.kind === 'permission') return ProxmoxReasons.PermissionDenied;
    if (err.kind === 'tls') return ProxmoxReasons.TLSVerificationFailed;
    if (err instanceof ProxmoxTaskError) return ProxmoxReasons.ProxmoxTaskFailed;
    if (err.kind === 'transient' || err.kind === 'timeout') {
      return err.status === undefined ? ProxmoxReasons.Unreachable : ProxmoxReasons.ProxmoxAPIError;
    }
    return ProxmoxReasons.ProxmoxAPIError;
  }
  return ProxmoxReasons.ProxmoxAPIError;
}

/**
 * Any failure as a ProxmoxProviderError, with `what` in front of the message
 * (`cloning VM 104 from template 9000: …`). Task failures are retryable: a failed clone
 * or start cleans up after itself and may succeed next time. Aborts pass through.
 */
export function providerError(err: unknown, what: string): unknown {
  if (err instanceof ProxmoxProviderError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  if (err instanceof ProxmoxApiError || err instanceof ProxmoxTaskError) {
    const retryable = err instanceof ProxmoxTaskError || isRetryable(err);
    return new ProxmoxProviderError(reasonOf(err), `${what}: ${err.message}`, retryable, [], {
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProxmoxProviderError(ProxmoxReasons.ProxmoxAPIError, `${what}: ${message}`, true, [], {
    cause: err,
  });
}

/** Whether an API or task error has this kind (e.g. `not-found`, `exists`, `locked`). */
export function hasKind(err: unknown, kind: ProxmoxApiError['kind']): boolean {
  return (err instanceof ProxmoxApiError || err instanceof ProxmoxTaskError) && err.kind === kind;
}
