// The resources a simulated cluster serves and how discovery describes them: the
// built-in kinds of a K3s cluster, the kinds its CustomResourceDefinitions add, and
// kinds learned from writes to resources nobody declared (so anything Slipway applies
// can be read back).
import { isRecord, type KubeObject } from './objects.ts';
import type { LearnedResource } from './registry-db.ts';

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: the path segment (`nodes`). */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function r(
  groupVersion: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  shortNames?: string[],
): ResourceInfo {
  const slash = groupVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : groupVersion.slice(0, slash),
    version: slash < 0 ? groupVersion : groupVersion.slice(slash + 1),
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    ...(shortNames ? { shortNames } : {}),
  };
}

export const builtinResources: readonly ResourceInfo[] = [
  r('v1', 'configmaps', 'ConfigMap', true, ['cm']),
  r('v1', 'endpoints', 'Endpoints', true, ['ep']),
  r('v1', 'events', 'Event', true, ['ev']),
  r('v1', 'limitranges', 'LimitRange', true, ['limits']),
  r('v1', 'namespaces', 'Namespace', false, ['ns']),
  r('v1', 'nodes', 'Node', false, ['no']),
  r('v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
  r('v1', 'persistentvolumes', 'PersistentVolume', false, ['pv']),
  r('v1', 'pods', 'Pod', true, ['po']),
  r('v1', 'resourcequotas', 'ResourceQuota', true, ['quota']),
  r('v1', 'secrets', 'Secret', true),
  r('v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  r('v1', 'services', 'Service', true, ['svc']),
  r('apps/v1', 'controllerrevisions', 'ControllerRevision', true),
  r('apps/v1', 'daemonsets', 'DaemonSet', true, ['ds']),
  r('apps/v1', 'deployments', 'Deployment', true, ['deploy']),
  r('apps/v1', 'replicasets', 'ReplicaSet', true, ['rs']),
  r('apps/v1', 'statefulsets', 'StatefulSet', true, ['sts']),
  r('batch/v1', 'cronjobs', 'CronJob', true, ['cj']),
  r('batch/v1', 'jobs', 'Job', true),
  r('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb']),
  r('rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io/v1', 'roles', 'Role', true),
  r('networking.k8s.io/v1', 'ingressclasses', 'IngressClass', false),
  r('networking.k8s.io/v1', 'ingresses', 'Ingress', true, ['ing']),
  r('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol']),
  r('discovery.k8s.io/v1', 'endpointslices', 'EndpointSlice', true),
  r('storage.k8s.io/v1', 'storageclasses', 'StorageClass', false, ['sc']),
  r('storage.k8s.io/v1', 'csidrivers', 'CSIDriver', false),
  r('coordination.k8s.io/v1', 'leases', 'Lease', true),
  r('scheduling.k8s.io/v1', 'priorityclasses', 'PriorityClass', false, ['pc']),
  r('autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa']),
  r('apiextensions.k8s.io/v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, [
    'crd',
    'crds',
  ]),
  r(
    'admissionregistration.k8s.io/v1',
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    false,
  ),
  r(
    'admissionregistration.k8s.io/v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
  ),
  // K3s's own kinds: packaged manifests and the helm-controller.
  r('k3s.cattle.io/v1', 'addons', 'Addon', true),
  r('helm.cattle.io/v1', 'helmcharts', 'HelmChart', true),
  r('helm.cattle.io/v1', 'helmchartconfigs', 'HelmChartConfig', true),
];

/** Resources a CustomResourceDefinition object declares (served versions only). */
function crdResources(crd: KubeObject): ResourceInfo[] {
  const spec = isRecord(crd['spec']) ? crd['spec'] : {};
  const names = isRecord(spec['names']) ? spec['names'] : {};
  const group = typeof spec['group'] === 'string' ? spec['group'] : '';
  const plural = typeof names['plural'] === 'string' ? names['plural'] : '';
  const kind = typeof names['kind'] === 'string' ? names['kind'] : '';
  if (!group || !plural || !kind) return [];
  const singular = typeof names['singular'] === 'string' ? names['singular'] : kind.toLowerCase();
  const shortNames = Array.isArray(names['shortNames'])
    ? names['shortNames'].filter((s): s is string => typeof s === 'string')
    : [];
  const versions = Array.isArray(spec['versions']) ? spec['versions'] : [];
  return versions
    .filter((v) => isRecord(v) && typeof v['name'] === 'string' && v['served'] !== false)
    .map((v) => ({
      group,
      version: String((v as Record<string, unknown>)['name']),
      plural,
      singular,
      kind,
      namespaced: spec['scope'] !== 'Cluster',
      ...(shortNames.length > 0 ? { shortNames } : {}),
    }));
}

/** Every resource one cluster serves right now. */
export class ResourceCatalog {
  readonly all: ResourceInfo[];

  constructor(crds: KubeObject[], learned: LearnedResource[]) {
    const seen = new Set<string>();
    this.all = [];
    const add = (info: ResourceInfo) => {
      const key = `${info.group}/${info.version}/${info.plural}`;
      if (seen.has(key)) return;
      seen.add(key);
      this.all.push(info);
    };
    builtinResources.forEach(add);
    crds.flatMap(crdResources).forEach(add);
    learned.map((l) => ({ ...l, singular: l.kind.toLowerCase() })).forEach(add);
  }

  find(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.all.find((r) => r.group === group && r.version === version && r.plural === plural);
  }

  /** Group → versions, preferred (first declared) first. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const info of this.all) {
      if (info.group === '') continue;
      const versions = groups.get(info.group) ?? [];
      if (!versions.includes(info.version)) versions.push(info.version);
      groups.set(info.group, versions);
    }
    return groups;
  }
}

function apiResource(info: ResourceInfo) {
  return {
    name: info.plural,
    singularName: info.singular,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs,
    ...(info.shortNames ? { shortNames: info.shortNames } : {}),
    storageVersionHash: '',
  };
}

/** `/api/v1` or `/apis/<group>/<version>`: an APIResourceList. */
export function apiResourceList(catalog: ResourceCatalog, group: string, version: string) {
  const groupVersion = group ? `${group}/${version}` : version;
  const resources: Record<string, unknown>[] = [];
  for (const info of catalog.all) {
    if (info.group !== group || info.version !== version) continue;
    resources.push(apiResource(info));
    resources.push({
      name: `${info.plural}/status`,
      singularName: '',
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: ['get', 'patch', 'update'],
    });
    if (group === '' && info.plural === 'pods') {
      resources.push({
        name: 'pods/eviction',
        singularName: '',
        namespaced: true,
        group: 'policy',
        version: 'v1',
        kind: 'Eviction',
        verbs: ['create'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function apiGroup(name: string, versions: string[]) {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** `/apis`: an APIGroupList. */
export function apiGroupList(catalog: ResourceCatalog) {
  const groups = [...catalog.groups()].map(([name, versions]) => apiGroup(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `/apis/<group>`: an APIGroup, or undefined for an unknown group. */
export function apiGroupDocument(catalog: ResourceCatalog, group: string) {
  const versions = catalog.groups().get(group);
  return versions
    ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) }
    : undefined;
}
