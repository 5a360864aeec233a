// Which committed changes a watcher sees, and as what. Shared by backends so selector
// transitions behave the same everywhere: like kube-apiserver's cacher, an update that
// makes an object start matching a label selector is ADDED, one that makes it stop
// matching is DELETED (carrying the previous content at the new revision).
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelRequirement,
} from '../api/selector.ts';
import type { WatchEventType, WatchOptions } from './types.ts';

type Labels = Readonly<Record<string, string>> | undefined;

/** One committed change, as a backend hands it to watchers. */
export interface ChangeRecord {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** Labels of the object after the change (before it, for DELETED). */
  labels: Labels;
  /** The object as JSON; parsed lazily, once per watcher that consumes it. */
  json: string;
  /** Only for MODIFIED whose labels changed: the state before the change. */
  prev?: { labels: Labels; json: string };
}

/** What a watcher is sent for one change: JSON plus how to finish the object. */
export interface PendingEvent {
  type: WatchEventType;
  revision: number;
  json: string;
  /** The JSON is an older state; stamp it with `revision` when parsing. */
  restamp?: boolean;
}

export interface WatchFilter {
  kind?: string;
  namespace?: string;
  labels: readonly LabelRequirement[];
  fields: readonly FieldRequirement[];
}

/** Parse the selectors of a watch up front, so a bad one fails the watch call. */
export function compileWatchFilter(opts: WatchOptions): WatchFilter {
  const filter: WatchFilter = {
    labels: parseLabelSelector(opts.labelSelector ?? ''),
    fields: parseFieldSelector(opts.fieldSelector ?? ''),
  };
  if (opts.kind) filter.kind = opts.kind;
  if (opts.namespace) filter.namespace = opts.namespace;
  return filter;
}

/** The event `filter` gets for `change`, or undefined when it sees none. */
export function eventFor(filter: WatchFilter, change: ChangeRecord): PendingEvent | undefined {
  if (filter.kind !== undefined && filter.kind !== change.kind) return undefined;
  if (filter.namespace !== undefined && filter.namespace !== change.namespace) return undefined;
  // Name and namespace never change, so field selectors need no transition logic.
  const meta = { name: change.name, namespace: change.namespace };
  if (filter.fields.length > 0 && !matchesFields(filter.fields, { metadata: meta }))
    return undefined;
  const now = matchesLabels(filter.labels, change.labels);
  const { revision, json } = change;
  if (change.type !== 'MODIFIED') return now ? { type: change.type, revision, json } : undefined;
  const before = change.prev ? matchesLabels(filter.labels, change.prev.labels) : now;
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', revision, json };
  if (before && change.prev)
    return { type: 'DELETED', revision, json: change.prev.json, restamp: true };
  return undefined;
}
