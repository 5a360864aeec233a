// The template values the K3s bootstrap provider reads, as a TypeBox (JSON) schema: the
// ClusterTemplate controller validates template defaults against it (any JSON Schema
// validator will do; ajv in strict mode accepts it). values.ts adds the checks a schema
// cannot express. Only the keys declared here belong to this provider; other top-level
// values (workersNumber, machine size, …) pass through untouched.
import { Type, type Static } from '@sinclair/typebox';

const labelName = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const dnsSubdomain = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const labelKey = `^(${dnsSubdomain}/)?${labelName}$`;
const labelValue = `^(${labelName})?$`;
const taintEffect = '(NoSchedule|PreferNoSchedule|NoExecute)';
const cidr = '[0-9A-Fa-f:.]+/[0-9]{1,3}';
const ip = '[0-9A-Fa-f:.]+';
const httpURL = '^https?://\\S+$';
const sha256 = '^[0-9a-f]{64}$';

const NodeLabels = Type.Record(
  Type.String({ pattern: labelKey }),
  Type.String({ pattern: labelValue }),
  { additionalProperties: false, description: 'Node labels, key → value (K3s `node-label`).' },
);
const NodeTaints = Type.Array(
  Type.String({ pattern: `^(${dnsSubdomain}/)?${labelName}(=${labelName})?:${taintEffect}$` }),
  { description: 'Node taints as `key[=value]:Effect` (K3s `node-taint`).' },
);
const ConfigValue = Type.Union([
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String()),
]);
const ConfigKeys = Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), ConfigValue, {
  additionalProperties: false,
});
const RoleSettings = Type.Object(
  { nodeLabels: Type.Optional(NodeLabels), nodeTaints: Type.Optional(NodeTaints) },
  { additionalProperties: false },
);

export const K3sSettings = Type.Object(
  {
    disable: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), {
        description:
          'Packaged components not to deploy: traefik, servicelb, local-storage, metrics-server, coredns, … Same list on every server.',
      }),
    ),
    clusterCIDR: Type.Optional(Type.String({ pattern: `^${cidr}(,${cidr})?$` })),
    serviceCIDR: Type.Optional(Type.String({ pattern: `^${cidr}(,${cidr})?$` })),
    clusterDNS: Type.Optional(Type.String({ pattern: `^${ip}(,${ip})?$` })),
    clusterDomain: Type.Optional(Type.String({ pattern: `^${dnsSubdomain}$` })),
    flannelBackend: Type.Optional(
      Type.Union([
        Type.Literal('vxlan'),
        Type.Literal('host-gw'),
        Type.Literal('wireguard-native'),
        Type.Literal('none'),
      ]),
    ),
    secretsEncryption: Type.Optional(Type.Boolean()),
    writeKubeconfigMode: Type.Optional(
      Type.String({ pattern: '^0?[0-7]{3}$', description: 'Default "0600".' }),
    ),
    tlsSANs: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Extra names in the API serving certificate; the endpoint is always there.',
      }),
    ),
    nodeLabels: Type.Optional(NodeLabels),
    nodeTaints: Type.Optional(NodeTaints),
    controlPlane: Type.Optional(RoleSettings),
    workers: Type.Optional(RoleSettings),
    extraArgs: Type.Optional(
      Type.Object(
        {
          server: Type.Optional(ConfigKeys),
          agent: Type.Optional(ConfigKeys),
        },
        {
          additionalProperties: false,
          description:
            'Further config.yaml keys (K3s flag names without dashes) for every server or every agent.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ExtraFile = Type.Object(
  {
    path: Type.String({ pattern: '^/\\S+$', description: 'Absolute path on the machine.' }),
    content: Type.String(),
    permissions: Type.Optional(Type.String({ pattern: '^0?[0-7]{3,4}$' })),
    owner: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$' })),
    encoding: Type.Optional(
      Type.Union([Type.Literal('text'), Type.Literal('b64')], {
        description: '`b64`: content is base64 and is written decoded.',
      }),
    ),
    defer: Type.Optional(
      Type.Boolean({
        description:
          'Write in the final stage, after users and packages exist (still before the K3s install).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AirGap = Type.Object(
  {
    installScriptUrl: Type.Optional(Type.String({ pattern: httpURL })),
    installScriptSha256: Type.Optional(Type.String({ pattern: sha256 })),
    installScriptPath: Type.Optional(
      Type.String({
        pattern: '^/\\S+$',
        description: 'Where the install script is (or is downloaded to).',
      }),
    ),
    binaryUrl: Type.Optional(Type.String({ pattern: httpURL })),
    binarySha256: Type.Optional(Type.String({ pattern: sha256 })),
    imagesUrl: Type.Optional(
      Type.String({
        pattern:
          '^https?://[^\\s?#]+\\.(tar|tar\\.gz|tgz|tar\\.zst|tzst|tar\\.lz4|tar\\.bz2)([?#]\\S*)?$',
        description: 'Images tarball, e.g. k3s-airgap-images-amd64.tar.zst.',
      }),
    ),
    imagesSha256: Type.Optional(Type.String({ pattern: sha256 })),
  },
  { additionalProperties: false },
);

export const GuestNetwork = Type.Object(
  {
    interfaceName: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,15}$' })),
    matchDriver: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_*?-]+$' })),
  },
  { additionalProperties: false },
);

export const KubeVip = Type.Object(
  {
    image: Type.Optional(
      Type.String({
        pattern: '^\\S+$',
        description: 'kube-vip image for the control-plane VIP; a pinned version by default.',
      }),
    ),
    interface: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.:-]{1,15}$',
        description:
          'NIC the VIP goes on; default guestNetwork.interfaceName, else eth0 (the name network-config gives the NIC).',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The template values the K3s bootstrap provider reads. Every key is optional; keys not
 * declared at the top level belong to other consumers and are allowed.
 */
export const K3sBootstrapValues = Type.Object(
  {
    k3s: Type.Optional(K3sSettings),
    files: Type.Optional(Type.Array(ExtraFile)),
    preCommands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    postCommands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    airgap: Type.Optional(AirGap),
    guestNetwork: Type.Optional(GuestNetwork),
    kubeVip: Type.Optional(KubeVip),
  },
  { additionalProperties: true },
);
export type K3sBootstrapValues = Static<typeof K3sBootstrapValues>;
export type K3sSettings = Static<typeof K3sSettings>;
export type ConfigValue = Static<typeof ConfigValue>;
