// The shapes of the API objects the dashboard reads: the fields it uses, no more. The
// server's schemas (src/api/kinds) are the truth; these are kept to what pages show so a
// new server field never breaks the dashboard.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Any object with Kubernetes metadata. */
export interface Resource {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ClusterDeployment extends Resource {
  spec: {
    template: string;
    credential: string;
    config?: Record<string, unknown>;
    hibernated?: boolean;
    paused?: boolean;
  };
  status?: {
    phase?: string;
    readyNodes?: string;
    version?: string;
    availableUpgrades?: string[];
    controlPlaneEndpoint?: { host: string; port: number };
    conditions?: Condition[];
    expiresAt?: string;
    observedGeneration?: number;
  };
}

export interface ClusterTemplate extends Resource {
  spec: {
    description?: string;
    provider: string;
    distribution: { name: string; version: string };
    valuesSchema?: Record<string, unknown>;
    defaults?: Record<string, unknown>;
    upgradeTargets?: string[];
    maxClusterLifetime?: string;
  };
  status?: { valid?: boolean; validationError?: string; conditions?: Condition[] };
}

export interface Credential extends Resource {
  spec: { description?: string; provider: string };
  status?: { ready?: boolean; conditions?: Condition[] };
}

export interface Machine extends Resource {
  spec: { clusterName: string; role: string; version: string };
  status?: {
    phase?: string;
    ready?: boolean;
    addresses?: { type: string; address: string }[];
    nodeName?: string;
    conditions?: Condition[];
    failureMessage?: string;
  };
}

export interface KubeEvent extends Resource {
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: { component: string };
}

export type ProjectRole = 'owner' | 'member' | 'viewer';

export interface Project extends Resource {
  spec: {
    displayName?: string;
    description?: string;
    members?: { user?: string; group?: string; role: ProjectRole }[];
  };
}

/** `GET /auth/whoami`. */
export interface WhoAmI {
  username: string;
  groups: string[];
  admin: boolean;
  projects: { name: string; role: ProjectRole }[];
  csrfToken?: string;
}

/** `GET /auth/config`. */
export interface AuthConfig {
  password: boolean;
  oidc: { enabled: boolean; name?: string };
}

/** Label the controllers put on each Machine with its cluster's name. */
export const clusterLabel = 'slipway.dev/cluster';

/** Namespace of global templates and credentials. */
export const systemNamespace = 'slipway-system';
