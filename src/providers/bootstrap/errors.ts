// What a bootstrap provider throws when its input cannot work. Every BootstrapError is
// permanent for the input that caused it: retrying the same input fails the same way,
// so callers report it in a condition (the reason is the condition reason) instead of
// retrying. Messages never carry secret material (keys, tokens, file contents).
import type { FieldCause } from '../../api/errors.ts';

/** Stable reasons, CamelCase as condition reasons are. */
export const BootstrapErrorReasons = {
  /** Template values break the provider's values schema; `causes` name the fields. */
  InvalidValues: 'InvalidValues',
  /** The stored cluster secrets lack a file this rendering needs. */
  MissingClusterSecret: 'MissingClusterSecret',
  /** A stored cluster secret (certificate, key) cannot be read. */
  InvalidClusterSecret: 'InvalidClusterSecret',
  /** The join token is malformed or does not match the cluster's CA. */
  InvalidToken: 'InvalidToken',
  /** The distribution version is not one the installer understands. */
  InvalidVersion: 'InvalidVersion',
  /** The control-plane endpoint or machine identity cannot be used. */
  InvalidInput: 'InvalidInput',
} as const;
export type BootstrapErrorReason =
  (typeof BootstrapErrorReasons)[keyof typeof BootstrapErrorReasons];

export class BootstrapError extends Error {
  readonly reason: BootstrapErrorReason;
  /** Field paths relative to the template values, e.g. `k3s.nodeTaints[0]`. */
  readonly causes: readonly FieldCause[];

  constructor(reason: BootstrapErrorReason, message: string, causes: readonly FieldCause[] = []) {
    super(message);
    this.name = 'BootstrapError';
    this.reason = reason;
    this.causes = causes;
  }
}

export function isBootstrapError(err: unknown): err is BootstrapError {
  return err instanceof BootstrapError;
}
