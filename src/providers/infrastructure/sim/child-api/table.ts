// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for with
// `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`: the columns `kubectl get`
// shows for nodes, pods and namespaces, and Name/Age for everything else.
import { isRecord, type KubeObject } from './objects.ts';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', priority = 0, format = ''): Column => ({
  name,
  type,
  format,
  description: name,
  priority,
});

/** Kubernetes' HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return `${years}y${days % 365}d`;
  return `${years}y`;
}

function age(obj: KubeObject, now: Date): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now.getTime() - created);
}

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const list = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter(isRecord) : [];

function nodeCells(node: KubeObject, now: Date): unknown[] {
  const spec = record(node['spec']);
  const status = record(node['status']);
  const info = record(status['nodeInfo']);
  const ready = list(status['conditions']).find((c) => c['type'] === 'Ready');
  let state = ready?.['status'] === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (spec['unschedulable'] === true) state += ',SchedulingDisabled';
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((key) => key.startsWith('node-role.kubernetes.io/'))
    .map((key) => key.slice('node-role.kubernetes.io/'.length))
    .sort();
  const address = (type: string) =>
    list(status['addresses']).find((a) => a['type'] === type)?.['address'] ?? '<none>';
  return [
    node.metadata.name,
    state,
    roles.length > 0 ? roles.join(',') : '<none>',
    age(node, now),
    info['kubeletVersion'] ?? '',
    address('InternalIP'),
    address('ExternalIP'),
    info['osImage'] ?? '',
    info['kernelVersion'] ?? '',
    info['containerRuntimeVersion'] ?? '',
  ];
}

function podCells(pod: KubeObject, now: Date): unknown[] {
  const spec = record(pod['spec']);
  const status = record(pod['status']);
  const containers = list(spec['containers']);
  const statuses = list(status['containerStatuses']);
  const ready = statuses.filter((s) => s['ready'] === true).length;
  const restarts = statuses.reduce((sum, s) => sum + Number(s['restartCount'] ?? 0), 0);
  const phase = pod.metadata.deletionTimestamp ? 'Terminating' : (status['phase'] ?? 'Unknown');
  return [
    pod.metadata.name,
    `${ready}/${containers.length}`,
    phase,
    restarts,
    age(pod, now),
    status['podIP'] ?? '<none>',
    spec['nodeName'] ?? '<none>',
    '<none>',
    '<none>',
  ];
}

const layouts: Record<
  string,
  { columns: Column[]; cells: (o: KubeObject, now: Date) => unknown[] }
> = {
  Node: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Status'),
      col('Roles'),
      col('Age'),
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells: nodeCells,
  },
  Pod: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Ready'),
      col('Status'),
      col('Restarts', 'integer'),
      col('Age'),
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    cells: podCells,
  },
  Namespace: {
    columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Age')],
    cells: (ns, now) => [ns.metadata.name, record(ns['status'])['phase'] ?? 'Active', age(ns, now)],
  },
};

const genericLayout = {
  columns: [col('Name', 'string', 0, 'name'), col('Age')],
  cells: (obj: KubeObject, now: Date) => [obj.metadata.name, age(obj, now)],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether an Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return /(^|[;,\s])as=Table(;|,|$)/.test(accept ?? '');
}

export function toTable(
  kind: string,
  objects: KubeObject[],
  resourceVersion: string,
  include: IncludeObject,
  now: Date,
) {
  const layout = layouts[kind] ?? genericLayout;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: layout.columns,
    rows: objects.map((obj) => ({
      cells: layout.cells(obj, now),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? obj
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: obj.metadata,
                  },
          }),
    })),
  };
}
