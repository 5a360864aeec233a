// Objects and helpers shared by the conformance suites. Only the Store interface is
// used, so any backend can run them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSlipwayError, type StatusReason } from '../../api/errors.ts';
import { ApiVersion, type AnyResource, type OwnerReference } from '../../api/meta.ts';
import type { Store, Watch, WatchEvent } from '../types.ts';

export interface StoreHarness {
  store: Store;
  /** Close the store and remove what it left behind. */
  cleanup(): Promise<void>;
}

export type NewStore = () => Promise<StoreHarness>;

// node:test runs what these register; the returned promises are the runner's to track.
/** Register a group of conformance tests. */
export function suite(name: string, fn: () => void): void {
  void describe(name, fn);
}

/** Register one conformance test. */
export function check(name: string, fn: () => Promise<void>): void {
  void test(name, fn);
}

/** Run `fn` against a fresh store, cleaning up whatever happens. */
export async function withStore(
  newStore: NewStore,
  fn: (store: Store) => Promise<void>,
): Promise<void> {
  const harness = await newStore();
  try {
    await fn(harness.store);
  } finally {
    await harness.cleanup();
  }
}

interface Extra {
  labels?: Record<string, string>;
  owners?: readonly AnyResource[];
  finalizers?: string[];
}

function meta(name: string, namespace: string | undefined, extra: Extra) {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(extra.labels ? { labels: extra.labels } : {}),
    ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    ...(extra.owners ? { ownerReferences: extra.owners.map(ownerRef) } : {}),
  };
}

/** A namespaced kind with status. */
export function machine(name: string, namespace = 'team-a', extra: Extra = {}): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: meta(name, namespace, extra),
    spec: { clusterName: 'c1', role: 'worker', version: 'v1.31.0+k3s1' },
  };
}

/** A namespaced owner kind. */
export function cluster(name: string, namespace = 'team-a', extra: Extra = {}): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: meta(name, namespace, extra),
    spec: { template: 'k3s-1-31', credential: 'lab', config: { workersNumber: 1 } },
  };
}

/** A cluster-scoped kind. */
export function ipPool(name: string, extra: Extra = {}): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'IPPool',
    metadata: meta(name, undefined, extra),
    spec: { addresses: ['10.0.0.10-10.0.0.50'], prefix: 24 },
  };
}

/** A namespaced kind without status. */
export function ipAddress(name: string, namespace = 'team-a', extra: Extra = {}): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'IPAddress',
    metadata: meta(name, namespace, extra),
    spec: { poolRef: { name: 'lab' }, address: '10.0.0.10', prefix: 24 },
  };
}

/** A kind encrypted at rest. */
export function secret(name: string, namespace: string, data: Record<string, string>): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data,
  };
}

export function ownerRef(owner: AnyResource): OwnerReference {
  assert.ok(owner.metadata.uid, `owner ${owner.metadata.name} has no uid (create it first)`);
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
  };
}

/** Assert that `promise` fails with a SlipwayError of `reason`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, reason: StatusReason): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    assert.ok(isSlipwayError(err, reason), `expected ${reason}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${reason}, but it succeeded`);
}

const iterators = new WeakMap<Watch, AsyncIterator<WatchEvent>>();

/**
 * The next event of `watch`. The timeout only turns a missing event into a clear
 * failure instead of a hung test; nothing waits on it when events arrive.
 */
export async function nextEvent(watch: Watch, timeoutMs = 5000): Promise<WatchEvent> {
  let it = iterators.get(watch);
  if (!it) iterators.set(watch, (it = watch[Symbol.asyncIterator]()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no watch event within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([it.next(), timeout]);
    assert.ok(!result.done, 'the watch ended');
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** The next events, as `TYPE name` strings, for compact assertions. */
export async function nextEvents(watch: Watch, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const { type, object } = await nextEvent(watch);
    out.push(`${type} ${object.metadata.name}`);
  }
  return out;
}

/** Whether the watch has ended (its next read reports done). */
export async function watchEnded(watch: Watch): Promise<boolean> {
  let it = iterators.get(watch);
  if (!it) iterators.set(watch, (it = watch[Symbol.asyncIterator]()));
  const result = await it.next();
  return result.done === true;
}

export async function exists(store: Store, obj: AnyResource): Promise<boolean> {
  try {
    const found = await store.get(obj.kind, obj.metadata.namespace, obj.metadata.name);
    return found.metadata.uid === obj.metadata.uid;
  } catch (err: unknown) {
    if (isSlipwayError(err, 'NotFound')) return false;
    throw err;
  }
}
