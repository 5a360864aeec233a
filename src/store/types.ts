// The store contract. Every backend (sqlite now, etcd later) implements it and runs
// the shared conformance suite in conformance.ts unchanged.
import type { AnyResource } from '../api/meta.ts';

/** Which objects a list or watch covers. */
export interface ListOptions {
  /** Limit to one namespace; omitted means all namespaces (or cluster-scoped kinds). */
  namespace?: string;
  /** Kubernetes label selector string: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
  labelSelector?: string;
  /** Field selector string over `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`). */
  fieldSelector?: string;
}

export interface ListPageOptions extends ListOptions {
  /** Page size; 0 or omitted means everything. */
  limit?: number;
  /** Opaque token from the previous page. */
  continue?: string;
}

export interface ListResult<T extends AnyResource = AnyResource> {
  items: T[];
  /** Store revision the list reflects; watch from here to miss nothing. */
  resourceVersion: string;
  /** Set when more items remain. */
  continue?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T extends AnyResource = AnyResource> {
  type: WatchEventType;
  /** The object after the change (before it, for DELETED). For BOOKMARK only metadata.resourceVersion is meaningful. */
  object: T;
}

export interface WatchOptions extends ListOptions {
  /** Kind to watch; omitted means every kind (used by the garbage collector). */
  kind?: string;
  /**
   * Deliver every change after this revision. Omitted or "0": start from now.
   * A revision older than the compaction point fails with a Gone (410) error, one newer
   * than the store's current revision with a Timeout (504) error, as in Kubernetes.
   */
  resourceVersion?: string;
  /** Send a BOOKMARK with the current revision at this interval (ms). Omitted: none. */
  bookmarkIntervalMs?: number;
}

/** A running watch. Iterate it for events; `close()` ends the iteration. */
export interface Watch<T extends AnyResource = AnyResource> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

export interface DeleteOptions {
  /** Fail with Conflict unless the object is still at this revision. */
  resourceVersion?: string;
  /** Fail with Conflict unless the object still has this uid. */
  uid?: string;
}

export interface UpdateOptions {
  /** Run every check and return the would-be object, but write nothing. */
  dryRun?: boolean;
}

export interface Store {
  /**
   * Create an object. Sets uid, creationTimestamp, resourceVersion, generation 1.
   * Any `status` in the input is dropped (status is written with updateStatus).
   * Fails with AlreadyExists.
   */
  create<T extends AnyResource>(obj: T, opts?: UpdateOptions): Promise<T>;
  /** Fails with NotFound. */
  get<T extends AnyResource>(kind: string, namespace: string | undefined, name: string): Promise<T>;
  list<T extends AnyResource>(kind: string, opts?: ListPageOptions): Promise<ListResult<T>>;
  /**
   * Replace everything but status (spec, labels, annotations, finalizers, owners).
   * Status is kept as stored. With metadata.resourceVersion set, a stale revision fails
   * with Conflict. generation increments only when the spec (every top-level field other
   * than apiVersion, kind, metadata, status) changes. Removing the last finalizer of an
   * object being deleted removes it.
   */
  update<T extends AnyResource>(obj: T, opts?: UpdateOptions): Promise<T>;
  /** Replace status only; spec and metadata are kept as stored. Conflict rules as update. */
  updateStatus<T extends AnyResource>(obj: T, opts?: UpdateOptions): Promise<T>;
  /**
   * Delete an object. With finalizers, sets deletionTimestamp (once) and returns the
   * object; otherwise removes it and returns the last state. Fails with NotFound.
   */
  delete<T extends AnyResource>(
    kind: string,
    namespace: string | undefined,
    name: string,
    opts?: DeleteOptions & UpdateOptions,
  ): Promise<T>;
  watch<T extends AnyResource>(opts: WatchOptions): Promise<Watch<T>>;
  /** Current revision of the whole store. */
  currentRevision(): Promise<string>;
  /** Forget watch history up to and including `revision`; older watches then answer Gone. */
  compact(revision: string): Promise<void>;
  close(): Promise<void>;
}
