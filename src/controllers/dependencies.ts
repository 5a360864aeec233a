// What the controllers need from the rest of Slipway, as narrow interfaces: the
// composition root (src/server.ts) passes the real registries, child-cluster client
// factory and event recorder; tests pass the same real things, or fakes.
import type { AnyResource } from '../api/meta.ts';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { BootstrapProvider, ClusterEndpoint } from '../providers/bootstrap/types.ts';
import type { InfrastructureProvider } from '../providers/infrastructure/types.ts';
import type { Reconcile } from './runtime/types.ts';

/** Infrastructure providers by name (`sim`, `proxmox`, …). */
export interface InfrastructureProviders {
  get(name: string): InfrastructureProvider | undefined;
}

/** Bootstrap providers by distribution name (`k3s`, …). */
export interface BootstrapProviders {
  get(distribution: string): BootstrapProvider | undefined;
}

/**
 * Where a cluster's API answers. `sim` clusters are served by the simulated child API
 * (known before any VM exists); real providers answer from the first control plane's
 * address (or, later, a VIP), so they answer undefined until that address is known.
 */
export type EndpointResolver = (
  provider: string,
  cluster: ClusterDeployment,
  firstControlPlaneAddress: string | undefined,
) => ClusterEndpoint | undefined;

export type EventType = 'Normal' | 'Warning';

/** Records Events for timelines (deduplicated with counts by the recorder). */
export interface EventRecorder {
  record(object: AnyResource, type: EventType, reason: string, message: string): void;
}

/** A recorder that drops everything (tests that do not look at events). */
export const discardEvents: EventRecorder = { record: () => undefined };

/**
 * How a controller asks the manager to run it. Placeholder until the runtime's
 * manager lands; it mirrors `register({ name, forKind, owns, watches, reconcile })`.
 */
export interface ControllerRegistration {
  name: string;
  /** Kind whose keys are reconciled. */
  forKind: string;
  /** Kinds whose changes enqueue their controller owner of `forKind`. */
  owns?: string[];
  /** Other kinds whose changes enqueue the keys `map` answers. */
  watches?: { kind: string; map: (obj: AnyResource) => string[] }[];
  reconcile: Reconcile;
}
