// The etcd key layout (docs/adr/0008-etcd-key-layout.md):
//
//   <prefix>objects/<kind>/<namespace, or _ for cluster-scoped kinds>/<name>
//   <prefix>meta/compacted        the revision the store was last compacted to
//
// The prefix is '/slipway/' unless told; several stores (tests, or two Slipway
// installations on one etcd) live side by side under different prefixes.
import { badRequest } from '../../api/errors.ts';
import type { ObjectKey } from '../object-rules.ts';

export const defaultKeyPrefix = '/slipway/';

/** Stands for the namespace of cluster-scoped objects; no namespace can be called that. */
const clusterScope = '_';

/** Builds and parses the keys of one store. */
export class KeyLayout {
  readonly prefix: string;
  readonly objects: string;
  readonly compacted: string;

  constructor(prefix = defaultKeyPrefix) {
    if (!prefix.startsWith('/') || !prefix.endsWith('/')) {
      throw new Error(`etcd key prefix "${prefix}" must start and end with "/"`);
    }
    this.prefix = prefix;
    this.objects = `${prefix}objects/`;
    this.compacted = `${prefix}meta/compacted`;
  }

  /** The key of one object. */
  objectKey(key: ObjectKey): string {
    for (const [field, value] of [
      ['metadata.namespace', key.namespace],
      ['metadata.name', key.name],
    ] as const) {
      // A slash would make the key ambiguous; Kubernetes names never hold one.
      if (value.includes('/')) {
        throw badRequest(`${field} "${value}" must not contain "/"`, [
          { field, message: 'must not contain "/"' },
        ]);
      }
    }
    return `${this.objects}${key.kind}/${key.namespace || clusterScope}/${key.name}`;
  }

  /** The prefix of every object of `kind`, or of `kind` in `namespace`, or of every kind. */
  scanPrefix(kind?: string, namespace?: string): string {
    if (kind === undefined) return this.objects;
    if (namespace === undefined) return `${this.objects}${kind}/`;
    return `${this.objects}${kind}/${namespace || clusterScope}/`;
  }

  /** Kind, namespace and name of an object key; undefined for keys that are not objects. */
  parse(etcdKey: string): ObjectKey | undefined {
    if (!etcdKey.startsWith(this.objects)) return undefined;
    const [kind, namespace, name, ...extra] = etcdKey.slice(this.objects.length).split('/');
    if (!kind || !namespace || !name || extra.length > 0) return undefined;
    return { kind, namespace: namespace === clusterScope ? '' : namespace, name };
  }
}

/** The smallest key after `key`: where a scan resumes. */
export function keyAfter(key: string): string {
  return `${key}\u0000`;
}

/** The end (exclusive) of a prefix scan, as etcd's clientv3.GetPrefixRangeEnd. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
