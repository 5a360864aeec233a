// React hooks over the API: a live list (watch) and a one-shot load.
import { useEffect, useState } from 'react';
import { ApiError } from './client.ts';
import type { ResourceRef } from './client.ts';
import type { Resource } from './types.ts';
import { watchCollection, type WatchSelection } from './watch.ts';

export interface LiveList<T> {
  /** Undefined until the first list arrived. */
  items: T[] | undefined;
  error: ApiError | undefined;
}

function key(obj: Resource): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

function sorted<T extends Resource>(byKey: Map<string, T>): T[] {
  return [...byKey.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * The objects of a collection, kept current by a watch: the component re-renders on
 * every change. Pass `undefined` as ref to watch nothing (yet).
 */
export function useLiveList<T extends Resource>(
  ref: ResourceRef | undefined,
  selection: WatchSelection = {},
): LiveList<T> {
  const [state, setState] = useState<LiveList<T>>({ items: undefined, error: undefined });
  const plural = ref?.plural;
  const namespace = ref?.namespace;
  const { labelSelector, fieldSelector } = selection;
  useEffect(() => {
    setState({ items: undefined, error: undefined });
    if (plural === undefined) return undefined;
    const byKey = new Map<string, T>();
    return watchCollection<T>(
      { plural, namespace },
      { labelSelector, fieldSelector },
      {
        onList(items) {
          byKey.clear();
          for (const item of items) byKey.set(key(item), item);
          setState({ items: sorted(byKey), error: undefined });
        },
        onEvent(type, object) {
          if (type === 'DELETED') byKey.delete(key(object));
          else byKey.set(key(object), object);
          setState({ items: sorted(byKey), error: undefined });
        },
        onError(error) {
          setState((previous) => ({ ...previous, error }));
        },
      },
    );
  }, [plural, namespace, labelSelector, fieldSelector]);
  return state;
}

export interface Loaded<T> {
  value: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
}

/** Run `load` when `deps` change; the latest answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({
    value: undefined,
    error: undefined,
    loading: true,
  });
  useEffect(() => {
    let current = true;
    setState({ value: undefined, error: undefined, loading: true });
    load().then(
      (value) => {
        if (current) setState({ value, error: undefined, loading: false });
      },
      (err: unknown) => {
        const error = err instanceof ApiError ? err : new ApiError(0, String(err));
        if (current) setState({ value: undefined, error, loading: false });
      },
    );
    return () => {
      current = false;
    };
  }, deps);
  return state;
}
