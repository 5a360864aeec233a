// Object keys: `namespace/name` for namespaced objects, `name` for cluster-scoped ones,
// as in client-go's MetaNamespaceKeyFunc.
import type { AnyResource } from '../../api/meta.ts';
import type { ObjectKey } from './types.ts';

export function objectKeyOf(obj: Pick<AnyResource, 'metadata'>): ObjectKey {
  return objectKey(obj.metadata.namespace, obj.metadata.name);
}

export function objectKey(namespace: string | undefined, name: string): ObjectKey {
  return namespace ? `${namespace}/${name}` : name;
}

/** Split a key; names and namespaces never contain `/`. */
export function parseObjectKey(key: ObjectKey): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
