// The simulated child clusters' state: the SimClusterRegistry the simulated nodes
// write (as kubelets register), plus a generic per-cluster object store the simulated
// Kubernetes API serves. Persisted in `<dataDir>/sim/clusters.db`, so a restarted
// server finds its clusters, nodes and objects. One process owns the file.
import { randomUUID } from 'node:crypto';
import { SlipwayError, StatusReason } from '../../../../api/errors.ts';
import type { SimClusterInit, SimClusterRegistry, SimNode } from '../child-cluster-types.ts';
import { checkDisruptionBudgets } from './disruption.ts';
import {
  isControlPlaneNode,
  isNodeReady,
  nodeObject,
  nodePodCIDR,
  simNodeOf,
  withNodeReady,
} from './node-object.ts';
import {
  controllerOf,
  describeRef,
  groupOf,
  kubeTime,
  refOf,
  type KubeObject,
  type ObjectRef,
} from './objects.ts';
import { SimDatabase, type LearnedResource } from './registry-db.ts';
import { WatchHub, type SimWatchEvent, type WatchListener } from './watch-hub.ts';
import {
  bindPod,
  namespaceObject,
  newPod,
  ownerObjects,
  pickNode,
  podNodeName,
  podTolerations,
  replicaSetName,
  sampleApp,
  serviceLB,
  systemDeployments,
  systemNamespaces,
  templateOf,
  workloadTemplate,
} from './workloads.ts';

export interface SimRegistryOptions {
  /** Slipway's data directory; the registry keeps `sim/clusters.db` under it. */
  dataDir: string;
  /** Injected clock for timestamps. */
  now?: () => Date;
  /** Change events kept (all clusters together) for resuming watches (default 10,000). */
  watchHistory?: number;
}

export interface WriteOptions {
  /** Validate and return the result without writing (`?dryRun=All`). */
  dryRun?: boolean;
}

const nodeRef = (name: string): ObjectRef => ({ group: '', kind: 'Node', namespace: '', name });
const podKind = { group: '', kind: 'Pod' };

function clusterNotFound(id: string): SlipwayError {
  return new SlipwayError(StatusReason.NotFound, `simulated cluster "${id}" not found`);
}

/** Everything of an object that is not metadata or status: a change here bumps generation. */
function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

export class PersistentSimClusterRegistry implements SimClusterRegistry {
  readonly #db: SimDatabase;
  readonly #hub: WatchHub;
  readonly #now: () => Date;
  readonly #clusters = new Map<string, SimClusterInit>();
  /** isServing's answer per cluster, forgotten when one of the cluster's Nodes is written. */
  readonly #serving = new Map<string, boolean>();
  #revision: number;
  #pending: { clusterId: string; event: SimWatchEvent }[] = [];
  #inTransaction = false;

  constructor(options: SimRegistryOptions) {
    this.#db = new SimDatabase(options.dataDir);
    this.#now = options.now ?? (() => new Date());
    this.#revision = this.#db.revision();
    this.#hub = new WatchHub(this.#revision, options.watchHistory);
  }

  // ---- SimClusterRegistry (the contract the simulated nodes call) ----

  ensureCluster(init: SimClusterInit): Promise<void> {
    return settle(() => {
      const existing = this.getCluster(init.id);
      if (existing && existing.serverCA.cert === init.serverCA.cert) {
        if (JSON.stringify(existing) !== JSON.stringify(init)) {
          this.#db.putCluster(init);
          this.#clusters.set(init.id, init);
        }
        return;
      }
      // A different server CA means a new cluster-init: a fresh datastore.
      if (existing) this.#dropCluster(init.id);
      this.#transaction(() => {
        this.#db.putCluster(init);
        const now = this.#now();
        for (const ns of systemNamespaces) this.#put(init.id, namespaceObject(ns, now), undefined);
        for (const spec of [serviceLB, ...systemDeployments, sampleApp]) {
          for (const owner of ownerObjects(spec, now)) this.#put(init.id, owner, undefined);
        }
      });
      this.#clusters.set(init.id, init);
    });
  }

  getCluster(id: string): SimClusterInit | undefined {
    let init = this.#clusters.get(id);
    if (!init) {
      init = this.#db.cluster(id);
      if (init) this.#clusters.set(id, init);
    }
    return init;
  }

  upsertNode(clusterId: string, node: SimNode): Promise<void> {
    return settle(() => {
      this.#requireCluster(clusterId);
      this.#transaction(() => {
        const existing = this.#db.object(clusterId, nodeRef(node.name));
        const nodes = this.#db.objects(clusterId, '', 'Node');
        const cidr = nodePodCIDR(existing) ?? nextPodCIDR(nodes);
        const stored = this.#put(
          clusterId,
          nodeObject(node, existing, cidr, this.#now()),
          existing,
        );
        if (!existing) this.#seedPods(clusterId, stored);
        this.#schedulePending(clusterId);
      });
    });
  }

  setNodeReady(clusterId: string, nodeName: string, ready: boolean): Promise<void> {
    return settle(() => {
      this.#requireCluster(clusterId);
      this.#transaction(() => {
        const existing = this.#db.object(clusterId, nodeRef(nodeName));
        if (!existing)
          throw new SlipwayError(StatusReason.NotFound, `nodes "${nodeName}" not found`);
        if (isNodeReady(existing) === ready) return;
        this.#put(clusterId, withNodeReady(existing, ready, this.#now()), existing);
        if (ready) this.#schedulePending(clusterId);
      });
    });
  }

  removeNode(clusterId: string, nodeName: string): Promise<void> {
    return settle(() => {
      if (!this.getCluster(clusterId)) return;
      this.#transaction(() => this.#deleteNode(clusterId, nodeName));
    });
  }

  listNodes(clusterId: string): SimNode[] {
    return this.#db.objects(clusterId, '', 'Node').map(simNodeOf);
  }

  removeCluster(clusterId: string): Promise<void> {
    return settle(() => this.#dropCluster(clusterId));
  }

  // ---- What the simulated API server needs ----

  listClusterIds(): string[] {
    return this.#db.clusterIds();
  }

  /** The latest revision: a list's resourceVersion, where a watch may resume. */
  get revision(): number {
    return this.#revision;
  }

  /** Whether the cluster's API is up: it exists and a control-plane node is Ready. */
  isServing(clusterId: string): boolean {
    if (!this.getCluster(clusterId)) return false;
    // Asked at every handshake and request: reading and parsing every Node each time
    // was most of a request's cost. Kept until a Node of the cluster is written.
    let serving = this.#serving.get(clusterId);
    if (serving === undefined) {
      serving = this.#db
        .objects(clusterId, '', 'Node')
        .some((node) => isControlPlaneNode(node) && isNodeReady(node));
      this.#serving.set(clusterId, serving);
    }
    return serving;
  }

  /** The version the API server reports: the newest Ready control plane's, else the cluster's. */
  serverVersion(clusterId: string): string {
    const versions = this.listNodes(clusterId)
      .filter((n) => n.role === 'control-plane' && n.ready && n.kubeletVersion !== '')
      .map((n) => n.kubeletVersion)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return versions.at(-1) ?? this.getCluster(clusterId)?.version ?? 'v0.0.0';
  }

  getObject(clusterId: string, ref: ObjectRef): KubeObject | undefined {
    return this.#db.object(clusterId, ref);
  }

  /** Objects of one kind; every namespace when `namespace` is undefined. */
  listObjects(clusterId: string, group: string, kind: string, namespace?: string): KubeObject[] {
    return this.#db.objects(clusterId, group, kind, namespace);
  }

  listPodsOnNode(clusterId: string, nodeName: string): KubeObject[] {
    return this.#db.podsOnNode(clusterId, nodeName);
  }

  /** Create an object; the namespace must exist. Throws AlreadyExists / NotFound. */
  createObject(clusterId: string, obj: KubeObject, options: WriteOptions = {}): KubeObject {
    this.#requireCluster(clusterId);
    const ref = refOf(obj);
    return this.#transaction(() => {
      if (ref.namespace !== '') this.#requireNamespace(clusterId, ref.namespace);
      if (this.#db.object(clusterId, ref)) {
        throw new SlipwayError(StatusReason.AlreadyExists, `${describeRef(ref)} already exists`, {
          kind: ref.kind,
          name: ref.name,
        });
      }
      if (options.dryRun) return this.#prepare(obj, undefined, this.#revision);
      const stored = this.#put(clusterId, obj, undefined);
      if (ref.group === '' && ref.kind === 'Pod' && !podNodeName(stored)) {
        this.#schedulePending(clusterId);
        return this.#db.object(clusterId, ref) ?? stored;
      }
      return stored;
    });
  }

  /**
   * Replace an object. A resourceVersion in `obj` must match (409 otherwise); uid and
   * creationTimestamp are kept. With `subresource: 'status'` only status changes.
   */
  updateObject(
    clusterId: string,
    obj: KubeObject,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): KubeObject {
    this.#requireCluster(clusterId);
    const ref = refOf(obj);
    return this.#transaction(() => {
      const existing = this.#db.object(clusterId, ref);
      if (!existing) throw notFound(ref);
      const wanted = obj.metadata.resourceVersion;
      if (wanted !== undefined && wanted !== '' && wanted !== existing.metadata.resourceVersion) {
        throw new SlipwayError(
          StatusReason.Conflict,
          `Operation cannot be fulfilled on ${describeRef(ref)}: the object has been modified; please apply your changes to the latest version and try again`,
          { kind: ref.kind, name: ref.name },
        );
      }
      let next: KubeObject =
        options.subresource === 'status' ? { ...existing, status: obj['status'] } : obj;
      if (options.subresource !== 'status' && 'status' in existing && !('status' in obj)) {
        next = { ...obj, status: existing['status'] };
      }
      if (options.dryRun) return this.#prepare(next, existing, this.#revision);
      return this.#put(clusterId, next, existing);
    });
  }

  /** Delete an object and what depends on it (a namespace's contents, a node's pods). */
  deleteObject(clusterId: string, ref: ObjectRef, options: WriteOptions = {}): KubeObject {
    this.#requireCluster(clusterId);
    return this.#transaction(() => {
      const existing = this.#db.object(clusterId, ref);
      if (!existing) throw notFound(ref);
      if (options.dryRun) return existing;
      if (ref.group === '' && ref.kind === 'Node') return this.#deleteNode(clusterId, ref.name);
      if (ref.group === '' && ref.kind === 'Namespace') {
        for (const obj of this.#db.objectsInNamespace(clusterId, ref.name)) {
          this.#erase(clusterId, obj);
        }
      }
      return this.#erase(clusterId, existing);
    });
  }

  /**
   * The Eviction API: delete the pod unless a PodDisruptionBudget forbids it (429), and
   * let its controller replace it on another schedulable node.
   */
  evictPod(clusterId: string, namespace: string, name: string, options: WriteOptions = {}): void {
    this.#requireCluster(clusterId);
    this.#transaction(() => {
      const pod = this.#db.object(clusterId, { ...podKind, namespace, name });
      if (!pod) throw notFound({ ...podKind, namespace, name });
      checkDisruptionBudgets(
        pod,
        this.#db.objects(clusterId, 'policy', 'PodDisruptionBudget', namespace),
        this.#db.objects(clusterId, '', 'Pod', namespace),
      );
      if (options.dryRun) return;
      this.#erase(clusterId, pod);
      this.#replacePod(clusterId, pod, true);
    });
  }

  /** Replay changes after `fromRevision`, then deliver live ones; 'expired' if too old. */
  watch(
    clusterId: string,
    fromRevision: number,
    listener: WatchListener,
    onClose: () => void,
  ): { stop(): void } | 'expired' {
    return this.#hub.subscribe(clusterId, fromRevision, listener, onClose);
  }

  learnedResources(clusterId: string): LearnedResource[] {
    return this.#db.learnedResources(clusterId);
  }

  learnResource(clusterId: string, resource: LearnedResource): void {
    this.#db.learnResource(clusterId, resource);
  }

  close(): void {
    this.#hub.closeAll();
    this.#db.close();
  }

  // ---- internals ----

  #requireCluster(clusterId: string): SimClusterInit {
    const init = this.getCluster(clusterId);
    if (!init) throw clusterNotFound(clusterId);
    return init;
  }

  #requireNamespace(clusterId: string, namespace: string): void {
    const ns = this.#db.object(clusterId, {
      group: '',
      kind: 'Namespace',
      namespace: '',
      name: namespace,
    });
    if (!ns) {
      throw new SlipwayError(StatusReason.NotFound, `namespaces "${namespace}" not found`, {
        kind: 'namespaces',
        name: namespace,
      });
    }
  }

  #transaction<T>(fn: () => T): T {
    if (this.#inTransaction) return fn();
    const revision = this.#revision;
    this.#inTransaction = true;
    let result: T;
    try {
      result = this.#db.transaction(() => {
        const value = fn();
        if (this.#revision !== revision) this.#db.setRevision(this.#revision);
        return value;
      });
    } catch (err: unknown) {
      this.#revision = revision;
      this.#pending = [];
      throw err;
    } finally {
      this.#inTransaction = false;
    }
    const pending = this.#pending;
    this.#pending = [];
    for (const { clusterId, event } of pending) this.#hub.publish(clusterId, event);
    return result;
  }

  /** The object as it would be stored at `revision`. */
  #prepare(obj: KubeObject, existing: KubeObject | undefined, revision: number): KubeObject {
    const generation = existing?.metadata.generation ?? 1;
    return {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: existing?.metadata.uid ?? obj.metadata.uid ?? randomUUID(),
        creationTimestamp:
          existing?.metadata.creationTimestamp ??
          obj.metadata.creationTimestamp ??
          kubeTime(this.#now()),
        resourceVersion: String(revision),
        generation: existing && specPart(existing) !== specPart(obj) ? generation + 1 : generation,
      },
    };
  }

  #put(clusterId: string, obj: KubeObject, existing: KubeObject | undefined): KubeObject {
    const revision = ++this.#revision;
    const stored = this.#prepare(obj, existing, revision);
    const ref = refOf(stored);
    const nodeName = ref.group === '' && ref.kind === 'Pod' ? podNodeName(stored) : undefined;
    this.#db.putObject(clusterId, ref, revision, nodeName, stored);
    if (ref.group === '' && ref.kind === 'Node') this.#serving.delete(clusterId);
    const type = existing ? 'MODIFIED' : 'ADDED';
    this.#pending.push({ clusterId, event: { type, object: stored, revision } });
    return stored;
  }

  #erase(clusterId: string, existing: KubeObject): KubeObject {
    const revision = ++this.#revision;
    const ref = refOf(existing);
    this.#db.deleteObject(clusterId, ref);
    if (ref.group === '' && ref.kind === 'Node') this.#serving.delete(clusterId);
    const object = {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: String(revision) },
    };
    this.#pending.push({ clusterId, event: { type: 'DELETED', object, revision } });
    return object;
  }

  #dropCluster(clusterId: string): void {
    this.#transaction(() => {
      this.#db.deleteCluster(clusterId);
      // The revision moves so no watch can resume into the old cluster's history.
      this.#revision++;
    });
    this.#clusters.delete(clusterId);
    this.#serving.delete(clusterId);
    this.#hub.dropCluster(clusterId, this.#revision);
  }

  /** Remove a node and garbage-collect its pods (controllers recreate theirs elsewhere). */
  #deleteNode(clusterId: string, nodeName: string): KubeObject {
    const node = this.#db.object(clusterId, nodeRef(nodeName));
    for (const pod of this.#db.podsOnNode(clusterId, nodeName)) {
      this.#erase(clusterId, pod);
      this.#replacePod(clusterId, pod, false);
    }
    return node ? this.#erase(clusterId, node) : nodeObjectStub(nodeName);
  }

  /** What a fresh node runs: the ServiceLB pod, system pods on the first server, a sample pod on workers. */
  #seedPods(clusterId: string, node: KubeObject): void {
    const now = this.#now();
    const ds = this.#db.object(
      clusterId,
      ownerRef(serviceLB.namespace, 'DaemonSet', serviceLB.name),
    );
    if (ds) this.#put(clusterId, newPod(workloadTemplate(serviceLB, ds), node, now), undefined);
    const nodes = this.#db.objects(clusterId, '', 'Node');
    const pods = this.#db.objects(clusterId, '', 'Pod');
    for (const spec of systemDeployments) {
      const rs = this.#db.object(
        clusterId,
        ownerRef(spec.namespace, 'ReplicaSet', replicaSetName(spec.name)),
      );
      if (!rs || pods.some((pod) => controllerOf(pod)?.uid === rs.metadata.uid)) continue;
      const target = pickNode(nodes, podCounts(pods), spec.tolerations);
      this.#put(clusterId, newPod(workloadTemplate(spec, rs), target, now), undefined);
    }
    if (isControlPlaneNode(node)) return;
    const rs = this.#db.object(
      clusterId,
      ownerRef(sampleApp.namespace, 'ReplicaSet', replicaSetName(sampleApp.name)),
    );
    if (!rs) return;
    const template = workloadTemplate(sampleApp, rs);
    const target = pickNode([node], new Map(), template.tolerations);
    this.#put(clusterId, newPod(template, target, now), undefined);
  }

  /** A controller replaces a pod it lost: ReplicaSets anywhere, DaemonSets on the same node. */
  #replacePod(clusterId: string, pod: KubeObject, evicted: boolean): void {
    const owner = controllerOf(pod);
    if (!owner || groupOf(owner.apiVersion) !== 'apps') return;
    const now = this.#now();
    if (owner.kind === 'DaemonSet') {
      const nodeName = podNodeName(pod);
      const node = nodeName ? this.#db.object(clusterId, nodeRef(nodeName)) : undefined;
      if (evicted && node)
        this.#put(clusterId, newPod(templateOf(pod, owner), node, now), undefined);
      return;
    }
    if (owner.kind !== 'ReplicaSet') return;
    const nodes = this.#db.objects(clusterId, '', 'Node');
    const target = pickNode(
      nodes,
      podCounts(this.#db.objects(clusterId, '', 'Pod')),
      podTolerations(pod),
    );
    this.#put(clusterId, newPod(templateOf(pod, owner), target, now), undefined);
  }

  /** The simulated scheduler: bind Pending pods to schedulable nodes. */
  #schedulePending(clusterId: string): void {
    const pods = this.#db.objects(clusterId, '', 'Pod');
    const pending = pods.filter((pod) => !podNodeName(pod));
    if (pending.length === 0) return;
    const nodes = this.#db.objects(clusterId, '', 'Node');
    const counts = podCounts(pods);
    const now = this.#now();
    for (const pod of pending) {
      const node = pickNode(nodes, counts, podTolerations(pod));
      if (!node) continue;
      this.#put(clusterId, bindPod(pod, node, now), pod);
      counts.set(node.metadata.name, (counts.get(node.metadata.name) ?? 0) + 1);
    }
  }
}

function ownerRef(namespace: string, kind: string, name: string): ObjectRef {
  return { group: 'apps', kind, namespace, name };
}

function notFound(ref: ObjectRef): SlipwayError {
  const resource = `${ref.kind.toLowerCase()}s`;
  return new SlipwayError(StatusReason.NotFound, `${resource} "${ref.name}" not found`, {
    kind: resource,
    name: ref.name,
    ...(ref.group ? { group: ref.group } : {}),
  });
}

function podCounts(pods: KubeObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const pod of pods) {
    const node = podNodeName(pod);
    if (node) counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return counts;
}

/** The smallest free /24 in K3s's default cluster CIDR (10.42.0.0/16). */
function nextPodCIDR(nodes: KubeObject[]): string {
  const used = new Set(nodes.map((n) => nodePodCIDR(n)));
  for (let i = 0; i < 256; i++) {
    const cidr = `10.42.${i}.0/24`;
    if (!used.has(cidr)) return cidr;
  }
  return '10.42.255.0/24';
}

function nodeObjectStub(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name } };
}

/** Run a synchronous step as a promise that rejects (never throws) on failure. */
function settle(fn: () => void): Promise<void> {
  try {
    fn();
    return Promise.resolve();
  } catch (err: unknown) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Open (or create) the registry under `dataDir`. */
export function openSimClusterRegistry(options: SimRegistryOptions): PersistentSimClusterRegistry {
  return new PersistentSimClusterRegistry(options);
}
