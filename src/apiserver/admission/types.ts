// What each admission step sees. Steps run in a fixed order (pipeline.ts) and either
// change `object` or throw a SlipwayError; nothing reaches the store until all pass.
import type { AnyResource, KindDefinition } from '../../api/index.ts';
import type { UserInfo } from '../authn.ts';

export type Operation = 'create' | 'update';

export interface AdmissionRequest {
  operation: Operation;
  kind: KindDefinition;
  /** Namespace from the URL; set exactly when the kind is namespaced. */
  namespace?: string;
  /** Name from the URL; set for updates. */
  name?: string;
  /** `status` when the request went to the status subresource. */
  subresource?: 'status';
  /** The decoded request body, or the patched object. Steps may change it in place. */
  body: unknown;
  /** The stored object, for updates. */
  oldObject?: AnyResource;
  /** Who asks; rules that depend on the caller (project fields, grants, quotas) read it. */
  user?: UserInfo;
}

/**
 * Reads a stored object during admission (e.g. the templates an upgrade moves between);
 * undefined when there is none. Given by the API server, from the store.
 */
export type ObjectLookup = (
  kind: string,
  namespace: string | undefined,
  name: string,
) => Promise<AnyResource | undefined>;

export interface AdmissionContext {
  readonly request: AdmissionRequest;
  /** The object under admission, once decoded. */
  object: AnyResource;
}
