// What runs in a fresh K3s cluster, so drains have something to move: the system
// namespaces, a ServiceLB DaemonSet pod on every node, the packaged system
// Deployments (coredns, local-path-provisioner, metrics-server) on the first server,
// and one replica of a sample Deployment per worker. Evicted ReplicaSet pods come back
// on another schedulable node, as their controller would recreate them.
import { randomBytes, randomUUID } from 'node:crypto';
import { isRecord, kubeTime, type KubeObject, type KubeOwnerReference } from './objects.ts';
import { isNodeReady, isNodeUnschedulable, nodeInternalIP, nodeTaints } from './node-object.ts';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface WorkloadSpec {
  namespace: string;
  /** Deployment name (ReplicaSet owner) or DaemonSet name. */
  name: string;
  kind: 'Deployment' | 'DaemonSet';
  image: string;
  tolerations: Toleration[];
}

const systemTolerations: Toleration[] = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
];

/** ServiceLB's DaemonSet: one pod per node. */
export const serviceLB: WorkloadSpec = {
  namespace: 'kube-system',
  name: 'svclb-traefik',
  kind: 'DaemonSet',
  image: 'rancher/klipper-lb:v0.4.9',
  tolerations: [{ operator: 'Exists' }],
};

/** Deployments K3s installs; their pods start on the first server. */
export const systemDeployments: WorkloadSpec[] = [
  {
    namespace: 'kube-system',
    name: 'coredns',
    kind: 'Deployment',
    image: 'rancher/mirrored-coredns-coredns:1.11.3',
    tolerations: systemTolerations,
  },
  {
    namespace: 'kube-system',
    name: 'local-path-provisioner',
    kind: 'Deployment',
    image: 'rancher/local-path-provisioner:v0.0.30',
    tolerations: systemTolerations,
  },
  {
    namespace: 'kube-system',
    name: 'metrics-server',
    kind: 'Deployment',
    image: 'rancher/mirrored-metrics-server:v0.7.2',
    tolerations: systemTolerations,
  },
];

/** A sample application with one replica per worker. */
export const sampleApp: WorkloadSpec = {
  namespace: 'default',
  name: 'web',
  kind: 'Deployment',
  image: 'nginx:1.27',
  tolerations: [],
};

function suffix(length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The stable ReplicaSet name of a Deployment (Kubernetes appends a template hash). */
export function replicaSetName(deployment: string): string {
  let hash = 0;
  for (const c of deployment) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${deployment}-${hash.toString(16).slice(0, 8).padStart(8, '7')}`;
}

export function namespaceObject(name: string, now: Date): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      creationTimestamp: kubeTime(now),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** The owner objects of a workload: a DaemonSet, or a Deployment and its ReplicaSet. */
export function ownerObjects(spec: WorkloadSpec, now: Date): KubeObject[] {
  const labels = { app: spec.name };
  const template = {
    metadata: { labels },
    spec: {
      containers: [{ name: spec.name, image: spec.image }],
      tolerations: spec.tolerations,
    },
  };
  const meta = (name: string) => ({
    name,
    namespace: spec.namespace,
    uid: randomUUID(),
    creationTimestamp: kubeTime(now),
    labels,
  });
  if (spec.kind === 'DaemonSet') {
    return [
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta(spec.name),
        spec: { selector: { matchLabels: labels }, template },
      },
    ];
  }
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(spec.name),
    spec: { replicas: 1, selector: { matchLabels: labels }, template },
  };
  const replicaSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      ...meta(replicaSetName(spec.name)),
      ownerReferences: [ownerReference(deployment)],
    },
    spec: { replicas: 1, selector: { matchLabels: labels }, template },
  };
  return [deployment, replicaSet];
}

export function ownerReference(owner: KubeObject): KubeOwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function podIP(node: KubeObject | undefined): string | undefined {
  const spec = node?.['spec'];
  const cidr = isRecord(spec) && typeof spec['podCIDR'] === 'string' ? spec['podCIDR'] : undefined;
  const base = cidr?.split('/')[0]?.split('.');
  if (!base || base.length !== 4) return undefined;
  return `${base[0]}.${base[1]}.${base[2]}.${2 + ((randomBytes(1)[0] ?? 0) % 250)}`;
}

interface PodTemplate {
  namespace: string;
  /** Pods are named after their owner plus a random suffix, as controllers name them. */
  owner: KubeOwnerReference;
  labels: Record<string, string>;
  containers: unknown;
  tolerations: Toleration[];
}

function podStatus(node: KubeObject | undefined, containers: unknown, time: string) {
  if (!node) {
    return {
      phase: 'Pending',
      qosClass: 'BestEffort',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: 'no schedulable node tolerates this pod',
          lastProbeTime: null,
          lastTransitionTime: time,
        },
      ],
    };
  }
  const ip = podIP(node);
  const list = Array.isArray(containers) ? (containers as { name?: string; image?: string }[]) : [];
  return {
    phase: 'Running',
    hostIP: nodeInternalIP(node),
    ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
    startTime: time,
    qosClass: 'BestEffort',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: time,
    })),
    containerStatuses: list.map((c) => ({
      name: c.name ?? '',
      image: c.image ?? '',
      imageID: '',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: time } },
    })),
  };
}

/** A new pod from a template: Running on `node`, or Pending when no node can take it. */
export function newPod(template: PodTemplate, node: KubeObject | undefined, now: Date): KubeObject {
  const time = kubeTime(now);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${template.owner.name}-${suffix(5)}`,
      namespace: template.namespace,
      creationTimestamp: time,
      labels: { ...template.labels },
      ownerReferences: [template.owner],
    },
    spec: {
      containers: template.containers,
      ...(node ? { nodeName: node.metadata.name } : {}),
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      tolerations: template.tolerations,
    },
    status: podStatus(node, template.containers, time),
  };
}

/** The template a controller-owned pod was made from, to make its replacement. */
export function templateOf(pod: KubeObject, owner: KubeOwnerReference): PodTemplate {
  return {
    namespace: pod.metadata.namespace ?? 'default',
    owner,
    labels: pod.metadata.labels ?? {},
    containers: podContainers(pod),
    tolerations: podTolerations(pod),
  };
}

/** The template of a workload's pods. */
export function workloadTemplate(spec: WorkloadSpec, owner: KubeObject): PodTemplate {
  return {
    namespace: spec.namespace,
    owner: ownerReference(owner),
    labels: { app: spec.name },
    containers: [{ name: spec.name, image: spec.image }],
    tolerations: spec.tolerations,
  };
}

/** A Pending pod placed on `node` by the simulated scheduler. */
export function bindPod(pod: KubeObject, node: KubeObject, now: Date): KubeObject {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  return {
    ...pod,
    spec: { ...spec, nodeName: node.metadata.name },
    status: podStatus(node, spec['containers'], kubeTime(now)),
  };
}

function tolerates(
  tolerations: Toleration[],
  taint: { key: string; value?: string; effect: string },
) {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Whether a pod with these tolerations may be placed on the node now. */
export function canSchedule(node: KubeObject, tolerations: Toleration[]): boolean {
  if (!isNodeReady(node) || isNodeUnschedulable(node)) return false;
  return nodeTaints(node)
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((t) => tolerates(tolerations, t));
}

/** The schedulable node with the fewest pods, or undefined. */
export function pickNode(
  nodes: KubeObject[],
  podsPerNode: Map<string, number>,
  tolerations: Toleration[],
): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const node of nodes) {
    if (!canSchedule(node, tolerations)) continue;
    const count = podsPerNode.get(node.metadata.name) ?? 0;
    if (!best || count < (podsPerNode.get(best.metadata.name) ?? 0)) best = node;
  }
  return best;
}

export function podTolerations(pod: KubeObject): Toleration[] {
  const spec = pod['spec'];
  const tolerations = isRecord(spec) ? spec['tolerations'] : undefined;
  return Array.isArray(tolerations) ? (tolerations as Toleration[]) : [];
}

export function podContainers(pod: KubeObject): unknown {
  const spec = pod['spec'];
  return isRecord(spec) ? spec['containers'] : undefined;
}

export function podNodeName(pod: KubeObject): string | undefined {
  const spec = pod['spec'];
  const nodeName = isRecord(spec) ? spec['nodeName'] : undefined;
  return typeof nodeName === 'string' && nodeName !== '' ? nodeName : undefined;
}
