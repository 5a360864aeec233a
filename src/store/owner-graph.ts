// The garbage collector's index: which objects exist (by uid) and who names whom as owner.
import type { AnyResource } from '../api/meta.ts';

export interface GraphNode {
  kind: string;
  namespace: string | undefined;
  name: string;
  owners: readonly string[];
}

export class OwnerGraph {
  readonly #nodes = new Map<string, GraphNode>();
  /** Owner uid → uids of objects naming it, including owners not (or no longer) present. */
  readonly #dependents = new Map<string, Set<string>>();

  reset(objects: readonly AnyResource[]): void {
    this.#nodes.clear();
    this.#dependents.clear();
    for (const o of objects) this.upsert(o);
  }

  has(uid: string): boolean {
    return this.#nodes.has(uid);
  }

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  upsert(obj: AnyResource): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.#unlink(uid);
    const owners = (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
    this.#nodes.set(uid, {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      owners,
    });
    for (const owner of owners) {
      let set = this.#dependents.get(owner);
      if (!set) this.#dependents.set(owner, (set = new Set()));
      set.add(uid);
    }
  }

  /** Forget `uid`; returns the uids that named it as an owner. */
  remove(uid: string): string[] {
    this.#unlink(uid);
    this.#nodes.delete(uid);
    const dependents = [...(this.#dependents.get(uid) ?? [])];
    this.#dependents.delete(uid);
    return dependents;
  }

  #unlink(uid: string): void {
    for (const owner of this.#nodes.get(uid)?.owners ?? []) {
      const set = this.#dependents.get(owner);
      set?.delete(uid);
      if (set?.size === 0) this.#dependents.delete(owner);
    }
  }
}
