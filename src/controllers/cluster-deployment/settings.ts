// Tunables of the ClusterDeployment controller, with the defaults the server uses.

export interface ClusterDeploymentSettings {
  /** How soon a cluster that is still changing is looked at again (ms). */
  pollIntervalMs: number;
  /**
   * How often a settled cluster is looked at again, for its API and health (ms), at the
   * cluster's own tick (steady-check.ts), together with its machines.
   */
  steadyIntervalMs: number;
  /** How soon a cluster blocked on its template, credential or values is retried (ms). */
  blockedRetryMs: number;
  /** How long one readiness probe of the child API may take (ms). */
  apiProbeTimeoutMs: number;
  /** A node NotReady this long gets its machine replaced (ms). */
  nodeNotReadyTimeoutMs: number;
  /** No remediation while more than this share (0..1) of machines is unhealthy. */
  maxUnhealthyShare: number;
  /** A machine of an upgrade step not Ready this long after creation fails the step (ms). */
  upgradeStepTimeoutMs: number;
}

export const defaultClusterDeploymentSettings: ClusterDeploymentSettings = {
  pollIntervalMs: 2_000,
  // The resync period of Kubernetes controllers; see defaultMachineSettings.
  steadyIntervalMs: 10 * 60_000,
  blockedRetryMs: 30_000,
  apiProbeTimeoutMs: 5_000,
  nodeNotReadyTimeoutMs: 5 * 60_000,
  maxUnhealthyShare: 0.4,
  upgradeStepTimeoutMs: 30 * 60_000,
};
