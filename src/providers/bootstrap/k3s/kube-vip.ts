// kube-vip holding a cluster's control-plane VIP, deployed the way K3s allows: a
// DaemonSet manifest in the server's auto-deploy folder, written on every server (K3s
// applies the folder; the same file everywhere keeps it the same object). ARP mode with
// leader election: one control-plane node answers for the VIP at a time, and another
// takes it over when that node goes. Only the control-plane VIP is handled
// (`svc_enable=false`); Services of type LoadBalancer stay K3s's (servicelb) or the user's.
//
// The settings follow kube-vip's own `manifest daemonset --arp --controlplane
// --leaderElection --inCluster --taint` output and its RBAC manifest (kube-vip.io
// manifests/rbac.yaml), with the address in `address` (`vip_address` is deprecated in
// kube-vip's pkg/kubevip/config_envvar.go).
import { isIP } from 'node:net';
import { toYAML } from '../cloud-init/cloud-config.ts';
import { BootstrapError } from '../errors.ts';

/**
 * Where K3s picks up manifests to apply on a server, on start and when a file changes
 * (docs.k3s.io, "Auto-Deploying Manifests (AddOns)"). The file's base name becomes the
 * AddOn's name, so it must be a DNS subdomain: `kube-vip`, not `kube_vip`.
 */
export const k3sManifestsDir = '/var/lib/rancher/k3s/server/manifests';
export const kubeVipManifestPath = `${k3sManifestsDir}/kube-vip.yaml`;
/** The kube-vip image when the template names none: pinned, never `latest`. */
export const defaultKubeVipImage = 'ghcr.io/kube-vip/kube-vip:v1.0.3';

export interface KubeVipInput {
  /** The VIP: an IPv4 or IPv6 address. */
  address: string;
  /** The NIC kube-vip puts the VIP on (ARP), e.g. `eth0`. */
  interfaceName: string;
  /** The API port behind the VIP. */
  port: number;
  image: string;
}

const name = 'kube-vip';
const namespace = 'kube-system';
const appLabel = { 'app.kubernetes.io/name': 'kube-vip-ds' };

function rbac(): unknown[] {
  const role = 'system:kube-vip-role';
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: role,
        annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
      },
      rules: [
        { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
        {
          apiGroups: [''],
          resources: ['services', 'endpoints'],
          verbs: ['list', 'get', 'watch', 'update'],
        },
        {
          apiGroups: [''],
          resources: ['nodes'],
          verbs: ['list', 'get', 'watch', 'update', 'patch'],
        },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['list', 'get', 'watch', 'update', 'create'],
        },
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          verbs: ['list', 'get', 'watch', 'update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:kube-vip-binding' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ];
}

function daemonSet(input: KubeVipInput, family: 4 | 6): unknown {
  const env = (key: string, value: string) => ({ name: key, value });
  const controlPlaneTerm = (key: string) => ({ matchExpressions: [{ key, operator: 'Exists' }] });
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-vip-ds', namespace, labels: { ...appLabel } },
    spec: {
      selector: { matchLabels: { ...appLabel } },
      template: {
        metadata: { labels: { ...appLabel } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  controlPlaneTerm('node-role.kubernetes.io/control-plane'),
                  controlPlaneTerm('node-role.kubernetes.io/master'),
                ],
              },
            },
          },
          containers: [
            {
              name,
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['manager'],
              env: [
                env('vip_arp', 'true'),
                env('port', String(input.port)),
                { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                env('vip_interface', input.interfaceName),
                env('vip_subnet', family === 4 ? '32' : '128'),
                env('dns_mode', 'first'),
                env('cp_enable', 'true'),
                env('cp_namespace', namespace),
                env('svc_enable', 'false'),
                env('vip_leaderelection', 'true'),
                env('vip_leasename', 'plndr-cp-lock'),
                env('vip_leaseduration', '5'),
                env('vip_renewdeadline', '3'),
                env('vip_retryperiod', '1'),
                env('address', input.address),
              ],
              securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
            },
          ],
          hostNetwork: true,
          serviceAccountName: name,
          // Control-plane nodes are often tainted; kube-vip must run on all of them.
          tolerations: [
            { effect: 'NoSchedule', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
          ],
        },
      },
    },
  };
}

/**
 * The manifest (ServiceAccount, ClusterRole and binding, DaemonSet) that K3s applies from
 * {@link kubeVipManifestPath}.
 *
 * @example
 * renderKubeVipManifest({ address: '10.0.0.5', interfaceName: 'eth0', port: 6443,
 *   image: defaultKubeVipImage })
 */
export function renderKubeVipManifest(input: KubeVipInput): string {
  const family = isIP(input.address);
  if (family !== 4 && family !== 6) {
    throw new BootstrapError(
      'InvalidInput',
      `the control-plane VIP ${JSON.stringify(input.address)} is not an IP address`,
    );
  }
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(input.interfaceName)) {
    throw new BootstrapError(
      'InvalidInput',
      'the kube-vip interface is not a Linux interface name',
    );
  }
  return [...rbac(), daemonSet(input, family)].map((doc) => toYAML(doc)).join('---\n');
}
