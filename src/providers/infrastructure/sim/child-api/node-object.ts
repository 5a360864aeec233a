// A simulated node as a core/v1 Node object, the way a K3s kubelet registers it, and
// back. The Node object is the single source of truth: cordon through the API and
// readiness set by the simulated hypervisor both land in it.
import { randomUUID } from 'node:crypto';
import type { SimNode } from '../child-cluster-types.ts';
import { isRecord, kubeTime, type KubeObject } from './objects.ts';

const controlPlaneLabels = {
  'node-role.kubernetes.io/control-plane': 'true',
  'node-role.kubernetes.io/master': 'true',
  'node-role.kubernetes.io/etcd': 'true',
};
/** Taints the node lifecycle controller manages; not part of SimNode.taints. */
const unschedulableTaint = 'node.kubernetes.io/unschedulable';
const unreachableTaint = 'node.kubernetes.io/unreachable';
const managedTaints = new Set([unschedulableTaint, unreachableTaint]);

type Taint = SimNode['taints'][number];

interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

function conditionsOf(obj: KubeObject | undefined): NodeCondition[] {
  const status = obj?.['status'];
  const conditions = isRecord(status) ? status['conditions'] : undefined;
  return Array.isArray(conditions) ? (conditions as NodeCondition[]) : [];
}

function specOf(obj: KubeObject | undefined): Record<string, unknown> {
  const spec = obj?.['spec'];
  return isRecord(spec) ? spec : {};
}

function nodeConditions(ready: boolean, previous: NodeCondition[], now: string): NodeCondition[] {
  const wanted: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] = [
    {
      type: 'MemoryPressure',
      status: 'False',
      reason: 'KubeletHasSufficientMemory',
      message: 'kubelet has sufficient memory available',
    },
    {
      type: 'DiskPressure',
      status: 'False',
      reason: 'KubeletHasNoDiskPressure',
      message: 'kubelet has no disk pressure',
    },
    {
      type: 'PIDPressure',
      status: 'False',
      reason: 'KubeletHasSufficientPID',
      message: 'kubelet has sufficient PID available',
    },
    ready
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        }
      : {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
        },
  ];
  return wanted.map((condition) => {
    const before = previous.find((c) => c.type === condition.type);
    const same = before?.status === condition.status;
    return {
      ...condition,
      lastHeartbeatTime: now,
      lastTransitionTime: same ? before.lastTransitionTime : now,
    };
  });
}

/** The taints a node carries: its own plus those its state implies. */
function effectiveTaints(own: Taint[], unschedulable: boolean, ready: boolean, now: string) {
  const taints: Record<string, unknown>[] = own.filter((t) => !managedTaints.has(t.key));
  if (!ready) {
    taints.push({ key: unreachableTaint, effect: 'NoSchedule', timeAdded: now });
    taints.push({ key: unreachableTaint, effect: 'NoExecute', timeAdded: now });
  }
  if (unschedulable) taints.push({ key: unschedulableTaint, effect: 'NoSchedule', timeAdded: now });
  return taints;
}

/**
 * The Node object for a registering node. When the node already exists (a rebooted VM
 * registering again), a cordon survives, like a real kubelet re-registration leaves
 * spec.unschedulable alone; labels set through the API are kept.
 */
export function nodeObject(
  node: SimNode,
  existing: KubeObject | undefined,
  podCIDR: string,
  now: Date,
): KubeObject {
  const time = kubeTime(now);
  const unschedulable = node.unschedulable || specOf(existing)['unschedulable'] === true;
  const existingStatus = isRecord(existing?.['status']) ? existing['status'] : {};
  const nodeInfo = isRecord(existingStatus['nodeInfo']) ? existingStatus['nodeInfo'] : {};
  const machineID = typeof nodeInfo['machineID'] === 'string' ? nodeInfo['machineID'] : undefined;
  const id = machineID ?? randomUUID().replaceAll('-', '');
  const capacity = {
    cpu: '2',
    'ephemeral-storage': '20466256Ki',
    'hugepages-2Mi': '0',
    memory: '4015084Ki',
    pods: '110',
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...(existing?.metadata ?? {}),
      name: node.name,
      creationTimestamp: existing?.metadata.creationTimestamp ?? node.creationTimestamp,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'k3s',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'k3s',
        ...(existing?.metadata.labels ?? {}),
        ...(node.role === 'control-plane' ? controlPlaneLabels : {}),
        ...node.labels,
      },
      annotations: {
        ...(existing?.metadata.annotations ?? {}),
        'k3s.io/internal-ip': node.internalIP,
        'k3s.io/hostname': node.name,
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR,
      podCIDRs: [podCIDR],
      providerID: node.providerID,
      ...(unschedulable ? { unschedulable: true } : {}),
      taints: effectiveTaints(node.taints, unschedulable, node.ready, time),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.internalIP },
        { type: 'Hostname', address: node.name },
      ],
      allocatable: capacity,
      capacity,
      conditions: nodeConditions(node.ready, conditionsOf(existing), time),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: randomUUID(),
        containerRuntimeVersion: 'containerd://1.7.23-k3s2',
        kernelVersion: '6.1.0-28-cloud-amd64',
        kubeProxyVersion: node.kubeletVersion,
        kubeletVersion: node.kubeletVersion,
        machineID: id,
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: machineID ?? randomUUID(),
      },
    },
  };
}

export function isNodeReady(obj: KubeObject): boolean {
  return conditionsOf(obj).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isNodeUnschedulable(obj: KubeObject): boolean {
  return specOf(obj)['unschedulable'] === true;
}

export function nodeTaints(obj: KubeObject): Taint[] {
  const taints = specOf(obj)['taints'];
  return Array.isArray(taints) ? (taints as Taint[]) : [];
}

export function isControlPlaneNode(obj: KubeObject): boolean {
  const labels = obj.metadata.labels ?? {};
  return (
    labels['node-role.kubernetes.io/control-plane'] === 'true' ||
    labels['node-role.kubernetes.io/master'] === 'true'
  );
}

export function nodeInternalIP(obj: KubeObject): string {
  const status = obj['status'];
  const addresses = isRecord(status) ? status['addresses'] : undefined;
  if (!Array.isArray(addresses)) return '';
  const internal = (addresses as { type?: string; address?: string }[]).find(
    (a) => a.type === 'InternalIP',
  );
  return internal?.address ?? '';
}

export function nodePodCIDR(obj: KubeObject | undefined): string | undefined {
  const cidr = specOf(obj)['podCIDR'];
  return typeof cidr === 'string' ? cidr : undefined;
}

/** The Node object as the SimNode the hypervisor side reads back. */
export function simNodeOf(obj: KubeObject): SimNode {
  const status = isRecord(obj['status']) ? obj['status'] : {};
  const nodeInfo = isRecord(status['nodeInfo']) ? status['nodeInfo'] : {};
  const spec = specOf(obj);
  return {
    name: obj.metadata.name,
    role: isControlPlaneNode(obj) ? 'control-plane' : 'worker',
    ready: isNodeReady(obj),
    unschedulable: isNodeUnschedulable(obj),
    kubeletVersion:
      typeof nodeInfo['kubeletVersion'] === 'string' ? nodeInfo['kubeletVersion'] : '',
    internalIP: nodeInternalIP(obj),
    providerID: typeof spec['providerID'] === 'string' ? spec['providerID'] : '',
    labels: { ...(obj.metadata.labels ?? {}) },
    taints: nodeTaints(obj)
      .filter((t) => !managedTaints.has(t.key))
      .map((t) => ({
        key: t.key,
        ...(t.value !== undefined ? { value: t.value } : {}),
        effect: t.effect,
      })),
    creationTimestamp: obj.metadata.creationTimestamp ?? '',
  };
}

/** The Node with its Ready condition (and the taints that follow from it) changed. */
export function withNodeReady(obj: KubeObject, ready: boolean, now: Date): KubeObject {
  const time = kubeTime(now);
  const sim = simNodeOf(obj);
  const status = isRecord(obj['status']) ? obj['status'] : {};
  return {
    ...obj,
    spec: {
      ...specOf(obj),
      taints: effectiveTaints(sim.taints, sim.unschedulable, ready, time),
    },
    status: { ...status, conditions: nodeConditions(ready, conditionsOf(obj), time) },
  };
}

/** Keep the unschedulable taint in step with spec.unschedulable after an API write. */
export function withCordonTaint(obj: KubeObject, now: Date): KubeObject {
  const sim = simNodeOf(obj);
  return {
    ...obj,
    spec: {
      ...specOf(obj),
      taints: effectiveTaints(sim.taints, sim.unschedulable, sim.ready, kubeTime(now)),
    },
  };
}
