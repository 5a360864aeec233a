// The informer's in-memory copy of one kind, with the indexes controllers query:
// by namespace, by owner uid and by label (`key=value`). Objects are deep-frozen on the
// way in: they are shared by every reader, and a controller that edited one in place
// would be trusting a note it left itself instead of the store. Clone to change
// (`structuredClone(obj)`).
import type { AnyResource } from '../../api/meta.ts';
import { objectKeyOf } from './keys.ts';
import type { ObjectKey } from './types.ts';

type Index = Map<string, Set<ObjectKey>>;

export class ObjectCache<T extends AnyResource = AnyResource> {
  readonly #objects = new Map<ObjectKey, T>();
  readonly #byNamespace: Index = new Map();
  readonly #byOwner: Index = new Map();
  readonly #byLabel: Index = new Map();

  get size(): number {
    return this.#objects.size;
  }

  get(key: ObjectKey): T | undefined {
    return this.#objects.get(key);
  }

  has(key: ObjectKey): boolean {
    return this.#objects.has(key);
  }

  keys(): ObjectKey[] {
    return [...this.#objects.keys()];
  }

  values(): T[] {
    return [...this.#objects.values()];
  }

  /** Store `obj` (frozen) under its key; returns what it replaced. */
  upsert(obj: T): { key: ObjectKey; object: T; previous: T | undefined } {
    const key = objectKeyOf(obj);
    const object = deepFreeze(obj);
    const previous = this.#objects.get(key);
    if (previous) this.#unindex(key, previous);
    this.#objects.set(key, object);
    this.#index(key, object);
    return { key, object, previous };
  }

  /** Forget `key`; returns the object it held. */
  remove(key: ObjectKey): T | undefined {
    const previous = this.#objects.get(key);
    if (!previous) return undefined;
    this.#objects.delete(key);
    this.#unindex(key, previous);
    return previous;
  }

  byNamespace(namespace: string): T[] {
    return this.#lookup(this.#byNamespace, namespace);
  }

  /** Objects whose ownerReferences name `uid` (controller or not). */
  byOwner(uid: string): T[] {
    return this.#lookup(this.#byOwner, uid);
  }

  /** Objects labelled `key=value`. */
  byLabel(key: string, value: string): T[] {
    return this.#lookup(this.#byLabel, `${key}=${value}`);
  }

  #lookup(index: Index, value: string): T[] {
    const keys = index.get(value);
    if (!keys) return [];
    const found: T[] = [];
    for (const key of keys) {
      const obj = this.#objects.get(key);
      if (obj) found.push(obj);
    }
    return found;
  }

  #index(key: ObjectKey, obj: T): void {
    this.#eachIndexEntry(obj, (index, value) => addTo(index, value, key));
  }

  #unindex(key: ObjectKey, obj: T): void {
    this.#eachIndexEntry(obj, (index, value) => removeFrom(index, value, key));
  }

  #eachIndexEntry(obj: T, fn: (index: Index, value: string) => void): void {
    const meta = obj.metadata;
    if (meta.namespace) fn(this.#byNamespace, meta.namespace);
    for (const ref of meta.ownerReferences ?? []) fn(this.#byOwner, ref.uid);
    for (const [k, v] of Object.entries(meta.labels ?? {})) fn(this.#byLabel, `${k}=${v}`);
  }
}

function addTo(index: Index, value: string, key: ObjectKey): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Index, value: string, key: ObjectKey): void {
  const keys = index.get(value);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}

/** Freeze `obj` and everything it holds. */
export function deepFreeze<T>(obj: T): T {
  if (obj !== null && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const value of Object.values(obj as object)) deepFreeze(value);
  }
  return obj;
}
