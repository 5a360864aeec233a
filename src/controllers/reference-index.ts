// Which objects name which templates and credentials, learned as they are reconciled,
// so a template or credential that appears or changes re-queues the objects waiting for
// it. It only routes events: every decision still reads the store.
import { SystemNamespace } from '../api/meta.ts';
import { parseKey } from './objects.ts';

export class ReferenceIndex {
  /** Referenced name → keys (`namespace/name`) of the objects naming it. */
  readonly #byName = new Map<string, Set<string>>();
  readonly #byKey = new Map<string, string>();

  /** `key` (a namespaced object) names `name`; replaces what it named before. */
  set(key: string, name: string): void {
    this.forget(key);
    let keys = this.#byName.get(name);
    if (!keys) this.#byName.set(name, (keys = new Set()));
    keys.add(key);
    this.#byKey.set(key, name);
  }

  forget(key: string): void {
    const previous = this.#byKey.get(key);
    if (previous === undefined) return;
    this.#byKey.delete(key);
    const keys = this.#byName.get(previous);
    keys?.delete(key);
    if (keys?.size === 0) this.#byName.delete(previous);
  }

  /**
   * Keys of the objects that may resolve `name` to the object in `namespace`: those of
   * the same namespace, or of every namespace when it is slipway-system.
   */
  lookup(namespace: string | undefined, name: string): string[] {
    const keys = [...(this.#byName.get(name) ?? [])];
    if (namespace === SystemNamespace) return keys;
    return keys.filter((key) => parseKey(key).namespace === namespace);
  }
}
