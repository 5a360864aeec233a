// How long each simulated stage takes. The `default` profile follows Cluster API's
// in-memory provider (VM provisioning 10 s, components 2 s, jitter 0.2); `zero` is for
// tests and store-bound benchmarks; `fast` keeps the demo lively but still visible.

/** The stages a simulated VM goes through, each with its own delay. */
export type SimStage = 'vmProvisioning' | 'vmStart' | 'components' | 'vmDeletion';

export interface LatencyProfile {
  name: string;
  /** Create → powered on with an address (clone + first boot). */
  vmProvisioningMs: number;
  /** Power-on of a stopped VM → booted. */
  vmStartMs: number;
  /** Booted → K3s up and the node Ready (the node registers NotReady at boot). */
  componentsMs: number;
  /** Delete requested → VM and disks gone. */
  vmDeletionMs: number;
  /**
   * Each delay is `base + U[0,1) × jitter × base`, as Cluster API's in-memory provider
   * applies `startupJitter`: never shorter than the base, at most (1 + jitter) × base.
   */
  jitter: number;
}

const stageFields = {
  vmProvisioning: 'vmProvisioningMs',
  vmStart: 'vmStartMs',
  components: 'componentsMs',
  vmDeletion: 'vmDeletionMs',
} as const satisfies Record<SimStage, keyof LatencyProfile>;

/** The built-in profiles by name. */
export const latencyProfiles = {
  zero: {
    name: 'zero',
    vmProvisioningMs: 0,
    vmStartMs: 0,
    componentsMs: 0,
    vmDeletionMs: 0,
    jitter: 0,
  },
  default: {
    name: 'default',
    vmProvisioningMs: 10_000,
    vmStartMs: 3_000,
    componentsMs: 2_000,
    vmDeletionMs: 1_000,
    jitter: 0.2,
  },
  fast: {
    name: 'fast',
    vmProvisioningMs: 1_500,
    vmStartMs: 500,
    componentsMs: 500,
    vmDeletionMs: 200,
    jitter: 0.2,
  },
} as const satisfies Record<string, LatencyProfile>;

export type LatencyProfileName = keyof typeof latencyProfiles;

function isProfileName(name: string): name is LatencyProfileName {
  return Object.hasOwn(latencyProfiles, name);
}

/** A profile by name, or a custom one as given; throws on an unknown name or bad numbers. */
export function resolveLatencyProfile(profile: string | LatencyProfile): LatencyProfile {
  if (typeof profile === 'string') {
    if (!isProfileName(profile)) {
      throw new Error(
        `unknown sim latency profile "${profile}" (known: ${Object.keys(latencyProfiles).join(', ')})`,
      );
    }
    return latencyProfiles[profile];
  }
  for (const field of Object.values(stageFields)) {
    const value = profile[field];
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`sim latency profile "${profile.name}": ${field} must be ≥ 0`);
    }
  }
  if (!Number.isFinite(profile.jitter) || profile.jitter < 0) {
    throw new Error(`sim latency profile "${profile.name}": jitter must be ≥ 0`);
  }
  return profile;
}

/** The delay of one stage, jittered with `random` (U[0,1), e.g. Math.random). */
export function stageDelay(profile: LatencyProfile, stage: SimStage, random: () => number): number {
  const base = profile[stageFields[stage]];
  if (base <= 0) return 0;
  return Math.round(base + random() * profile.jitter * base);
}
