// Checking template values for the K3s bootstrap provider: the schema (values-schema.ts)
// plus the rules it cannot express (keys Slipway sets itself, labels a kubelet may not
// set, files Slipway writes), every problem reported with its field path and none with
// its value.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/value';
import type { FieldCause } from '../../../api/errors.ts';
import { BootstrapError } from '../errors.ts';
import { kubeVipManifestPath } from './kube-vip.ts';
import { k3sTLSDir } from './pki.ts';
import { K3sBootstrapValues } from './values-schema.ts';

export {
  AirGap,
  ExtraFile,
  GuestNetwork,
  K3sBootstrapValues,
  K3sSettings,
  KubeVip,
  type ConfigValue,
} from './values-schema.ts';

/** config.yaml keys Slipway sets itself, and the value to use instead where there is one. */
const reservedConfigKeys: Record<string, string | undefined> = {
  token: undefined,
  'token-file': undefined,
  'agent-token': undefined,
  server: undefined,
  'cluster-init': undefined,
  'node-name': undefined,
  'node-ip': undefined,
  'data-dir': undefined,
  disable: 'k3s.disable',
  'cluster-cidr': 'k3s.clusterCIDR',
  'service-cidr': 'k3s.serviceCIDR',
  'cluster-dns': 'k3s.clusterDNS',
  'cluster-domain': 'k3s.clusterDomain',
  'flannel-backend': 'k3s.flannelBackend',
  'secrets-encryption': 'k3s.secretsEncryption',
  'write-kubeconfig-mode': 'k3s.writeKubeconfigMode',
  'tls-san': 'k3s.tlsSANs',
  'node-label': 'k3s.nodeLabels',
  'node-taint': 'k3s.nodeTaints',
};

/** Paths Slipway writes itself; extra files may not replace them. */
export const k3sConfigPath = '/etc/rancher/k3s/config.yaml';

/**
 * Labels a kubelet may set on its own node in the kubernetes.io and k8s.io namespaces
 * (NodeRestriction; kubelet `--node-labels`, which K3s's `node-label` feeds): any other
 * label there makes the kubelet refuse to start.
 */
const kubeletLabels = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const kubeletLabelNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function kubeletMayNotSet(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some(
    (ns) => prefix === ns || prefix.endsWith(`.${ns}`),
  );
  if (!restricted || kubeletLabels.has(key)) return false;
  return !kubeletLabelNamespaces.some((ns) => prefix === ns || prefix.endsWith(`.${ns}`));
}

let compiled: TypeCheck<typeof K3sBootstrapValues> | undefined;

/** `/k3s/disable/0` → `k3s.disable[0]`. */
function fieldPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/**
 * Every problem with `values`, as causes with field paths relative to the values
 * (`k3s.nodeTaints[0]`). Messages name the rule, never the value: values may hold file
 * contents and commands with secrets in them.
 */
export function validateK3sValues(values: unknown): FieldCause[] {
  compiled ??= TypeCompiler.Compile(K3sBootstrapValues);
  const causes: FieldCause[] = [];
  for (const error of compiled.Errors(values)) {
    const unexpected = error.type === ValueErrorType.ObjectAdditionalProperties;
    // A Record (labels, extraArgs) reports a key that breaks its pattern the same way.
    const badKey = unexpected && 'patternProperties' in error.schema;
    causes.push({
      field: fieldPath(error.path),
      message: badKey ? 'invalid key' : unexpected ? 'unknown field' : error.message,
      reason: unexpected && !badKey ? 'FieldValueNotSupported' : 'FieldValueInvalid',
    });
  }
  if (causes.length > 0) return causes;
  const checked = values as K3sBootstrapValues;
  for (const role of ['server', 'agent'] as const) {
    for (const key of Object.keys(checked.k3s?.extraArgs?.[role] ?? {})) {
      if (!(key in reservedConfigKeys)) continue;
      const instead = reservedConfigKeys[key];
      causes.push({
        field: fieldPath(`/k3s/extraArgs/${role}/${key}`),
        message: instead ? `set by Slipway: use ${instead}` : 'set by Slipway',
        reason: 'FieldValueForbidden',
      });
    }
  }
  const labelSets = [
    ['k3s.nodeLabels', checked.k3s?.nodeLabels],
    ['k3s.controlPlane.nodeLabels', checked.k3s?.controlPlane?.nodeLabels],
    ['k3s.workers.nodeLabels', checked.k3s?.workers?.nodeLabels],
  ] as const;
  for (const [field, labels] of labelSets) {
    for (const key of Object.keys(labels ?? {}).filter(kubeletMayNotSet)) {
      causes.push({
        field: `${field}[${JSON.stringify(key)}]`,
        message:
          'a kubelet may not label its own node in the kubernetes.io or k8s.io namespaces ' +
          '(except kubelet.kubernetes.io, node.kubernetes.io and the well-known topology labels)',
        reason: 'FieldValueForbidden',
      });
    }
  }
  const seen = new Set<string>();
  (checked.files ?? []).forEach((file, index) => {
    const field = `files[${index}]`;
    if (
      file.path === k3sConfigPath ||
      file.path === kubeVipManifestPath ||
      file.path.startsWith(`${k3sTLSDir}/`)
    ) {
      causes.push({
        field: `${field}.path`,
        message: 'written by Slipway',
        reason: 'FieldValueForbidden',
      });
    }
    if (seen.has(file.path)) {
      causes.push({
        field: `${field}.path`,
        message: 'Duplicate value',
        reason: 'FieldValueDuplicate',
      });
    }
    seen.add(file.path);
    if (
      file.encoding === 'b64' &&
      !/^[A-Za-z0-9+/]*={0,2}$/.test(file.content.replace(/\s/g, ''))
    ) {
      causes.push({
        field: `${field}.content`,
        message: 'not base64',
        reason: 'FieldValueInvalid',
      });
    }
  });
  return causes;
}

/** The values, checked; a {@link BootstrapError} `InvalidValues` naming every bad field. */
export function readK3sValues(values: unknown): K3sBootstrapValues {
  const causes = validateK3sValues(values);
  if (causes.length > 0) {
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join('; ');
    throw new BootstrapError('InvalidValues', `invalid K3s bootstrap values: ${summary}`, causes);
  }
  return values as K3sBootstrapValues;
}
