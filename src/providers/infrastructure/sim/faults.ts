// Faults the simulated hypervisor can be told to produce. Failures at creation are
// decided here; faults on running VMs (vanish, stop, break, node NotReady) are methods
// of SimHypervisor because they act on one VM.
import type { SimVMIdentity } from './vm-store.ts';

export interface SimFaults {
  /** Each VM creation fails with this probability (0 … 1); nothing is created. */
  createFailureRate?: number;
  /** Machines whose VM creation always fails: `machineName` or `namespace/machineName`. */
  failCreateFor?: readonly string[];
}

/** Stable codes of errors the sim provider throws. */
export const SimErrorReasons = {
  /** The simulated clone failed (injected); retrying may succeed. */
  CreateFailed: 'CreateFailed',
  /** The credential's config says `fail: true`. */
  AuthenticationFailed: 'AuthenticationFailed',
  /** Settings the sim cannot use (e.g. an unknown latency profile). */
  InvalidSettings: 'InvalidSettings',
} as const;

/** An error of the sim provider with a stable CamelCase `reason`, for conditions. */
export class SimProviderError extends Error {
  readonly reason: string;
  /** Whether retrying the same call may succeed. */
  readonly retryable: boolean;

  constructor(reason: string, message: string, retryable: boolean) {
    super(message);
    this.name = 'SimProviderError';
    this.reason = reason;
    this.retryable = retryable;
  }
}

export function validateFaults(faults: SimFaults): SimFaults {
  const rate = faults.createFailureRate;
  if (rate !== undefined && (!Number.isFinite(rate) || rate < 0 || rate > 1)) {
    throw new Error(`sim fault createFailureRate must be within 0 … 1, got ${rate}`);
  }
  return {
    ...faults,
    ...(faults.failCreateFor ? { failCreateFor: [...faults.failCreateFor] } : {}),
  };
}

/** Throws the CreateFailed error when the faults say this creation fails. */
export function checkCreateFault(faults: SimFaults, vm: SimVMIdentity, random: () => number): void {
  const named = faults.failCreateFor?.some(
    (m) => m === vm.machineName || m === `${vm.namespace}/${vm.machineName}`,
  );
  const rate = faults.createFailureRate ?? 0;
  if (!named && !(rate > 0 && random() < rate)) return;
  const why = named ? 'injected for this machine' : `injected with probability ${rate}`;
  throw new SimProviderError(
    SimErrorReasons.CreateFailed,
    `sim: creating the VM of ${vm.namespace}/${vm.machineName} failed (${why}); nothing was created`,
    true,
  );
}
