// Shapes of the objects the admin and account pages read, beyond web/src/api/types.ts:
// only the fields these pages show. The server's schemas (src/api/kinds) are the truth.
import type { Condition, ProjectRole, Resource } from '../../api/types.ts';

/** Amounts of what clusters use; an absent field is "no limit" (or not counted yet). */
export interface Quota {
  clusters?: number;
  machines?: number;
  vcpu?: number;
  memoryMiB?: number;
  diskGiB?: number;
}

/** The quota fields in the order the server's messages list them, with labels. */
export const quotaResources: { key: keyof Quota; label: string }[] = [
  { key: 'clusters', label: 'Clusters' },
  { key: 'machines', label: 'Machines' },
  { key: 'vcpu', label: 'vCPU' },
  { key: 'memoryMiB', label: 'Memory (MiB)' },
  { key: 'diskGiB', label: 'Disk (GiB)' },
];

export interface ProjectMember {
  user?: string;
  group?: string;
  role: ProjectRole;
}

export interface FullProject extends Resource {
  spec: {
    displayName?: string;
    description?: string;
    members?: ProjectMember[];
    quota?: Quota;
    quotaLimit?: Quota;
    templates?: string[];
    serviceTemplates?: string[];
    credentials?: string[];
    maxClusterLifetime?: string;
    expiresAt?: string;
  };
  status?: { namespace?: string; usage?: Quota; conditions?: Condition[] };
}

export interface IPPool extends Resource {
  spec: {
    addresses: string[];
    prefix: number;
    gateway?: string;
    dnsServers?: string[];
    searchDomains?: string[];
    excludes?: string[];
  };
  status?: {
    total?: number;
    allocated?: number;
    free?: number;
    conditions?: Condition[];
    allocations?: Record<
      string,
      { namespace: string; name: string; claimRef: { kind: string; name: string } }
    >;
  };
}

export interface User extends Resource {
  spec: {
    displayName?: string;
    email?: string;
    admin?: boolean;
    disabled?: boolean;
    groups?: string[];
  };
  status?: { lastLoginTime?: string; conditions?: Condition[] };
}

export interface APIToken extends Resource {
  spec: { user: string; description?: string; expiresAt?: string; revoked?: boolean };
  /** `token` is in the create response only, never stored. */
  status?: { prefix?: string; lastUsedTime?: string; token?: string; conditions?: Condition[] };
}

/** One entry of the audit log (`GET /apis/audit.slipway.dev/v1alpha1/auditevents`). */
export interface AuditEvent {
  id: string;
  time: string;
  user: string;
  verb: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path: string;
  sourceIP?: string;
  userAgent?: string;
  code: number;
  result: 'allowed' | 'denied' | 'error';
  message?: string;
  dryRun?: boolean;
}

export interface AuditEventList {
  items: AuditEvent[];
  metadata: { continue?: string };
}
