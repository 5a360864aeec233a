import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { Ajv } from 'ajv';
import { BootstrapError } from '../errors.ts';
import { K3sBootstrapValues, readK3sValues, validateK3sValues } from './values.ts';

const good = {
  controlPlaneNumber: 3,
  network: { pool: 'lab' },
  k3s: {
    disable: ['traefik'],
    clusterCIDR: '10.42.0.0/16,2001:cafe:42::/56',
    serviceCIDR: '10.43.0.0/16',
    clusterDNS: '10.43.0.10',
    clusterDomain: 'cluster.local',
    flannelBackend: 'wireguard-native',
    secretsEncryption: true,
    writeKubeconfigMode: '0640',
    tlsSANs: ['k8s.example.org'],
    nodeLabels: { 'example.org/team': 'a', 'node.kubernetes.io/pool': 'x', plain: '' },
    nodeTaints: ['dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule'],
    controlPlane: { nodeTaints: ['node-role.kubernetes.io/control-plane:NoSchedule'] },
    workers: { nodeLabels: { 'topology.kubernetes.io/zone': 'z1' } },
    extraArgs: {
      server: { 'kube-apiserver-arg': ['a=b'], 'etcd-snapshot-retention': 5 },
      agent: { 'kubelet-arg': 'x=y' },
    },
  },
  files: [{ path: '/etc/motd', content: 'hi', permissions: '0644', owner: 'root:adm' }],
  preCommands: ['true'],
  postCommands: ['true'],
  airgap: { binaryUrl: 'https://a.lan/k3s', imagesUrl: 'https://a.lan/images.tar.zst?sig=1' },
  guestNetwork: { interfaceName: 'ens18' },
};

test('good values pass, and keys of other consumers are left alone', () => {
  assert.deepEqual(validateK3sValues(good), []);
  assert.deepEqual(validateK3sValues({}), []);
  assert.equal(readK3sValues(good), good);
  assert.ok(Value.Check(K3sBootstrapValues, good));
});

test('the schema is plain JSON Schema a template controller can hand to any validator', () => {
  const json = JSON.parse(JSON.stringify(K3sBootstrapValues)) as Record<string, unknown>;
  assert.equal(json['type'], 'object');
  assert.equal(json['additionalProperties'], true);
  const properties = json['properties'] as Record<string, { additionalProperties?: boolean }>;
  assert.deepEqual(Object.keys(properties), [
    'k3s',
    'files',
    'preCommands',
    'postCommands',
    'airgap',
    'guestNetwork',
    'kubeVip',
  ]);
  assert.equal(properties['k3s']?.additionalProperties, false);
  // ajv in strict mode: no keyword it does not know, and it agrees with the checks here.
  const validate = new Ajv({ strict: true, allErrors: true }).compile(json);
  assert.equal(validate(good), true, JSON.stringify(validate.errors));
  assert.equal(validate({ k3s: { nodeTaints: ['bad'] } }), false);
  assert.equal(validate({ k3s: { nodeLabels: { 'bad key': 'x' } } }), false);
});

function fields(values: unknown): string[] {
  return validateK3sValues(values).map((cause) => cause.field);
}

test('every bad field is named with its path', () => {
  const found = fields({
    k3s: {
      disble: ['traefik'],
      clusterCIDR: '10.42.0.0',
      flannelBackend: 'ipsec',
      nodeLabels: { 'bad key': 'x', good: 'bad value!' },
      nodeTaints: ['nodedicated'],
      extraArgs: { server: { '--x': 1 } },
    },
    files: [{ path: 'relative', content: 'x' }],
    airgap: { imagesUrl: 'https://a.lan/images.zip', binarySha256: 'abc' },
    preCommands: [''],
  });
  for (const field of [
    'k3s.disble',
    'k3s.clusterCIDR',
    'k3s.flannelBackend',
    'k3s.nodeLabels["bad key"]',
    'k3s.nodeLabels.good',
    'k3s.nodeTaints[0]',
    'k3s.extraArgs.server["--x"]',
    'files[0].path',
    'preCommands[0]',
    'airgap.binarySha256',
    'airgap.imagesUrl',
  ]) {
    assert.ok(found.includes(field), `${field} in ${found.join(', ')}`);
  }
  assert.deepEqual(validateK3sValues({ k3s: { disble: [] } }), [
    { field: 'k3s.disble', message: 'unknown field', reason: 'FieldValueNotSupported' },
  ]);
});

test('keys Slipway sets itself cannot be overridden through extraArgs', () => {
  assert.deepEqual(
    validateK3sValues({
      k3s: {
        extraArgs: {
          server: { token: 'x', 'cluster-cidr': '10.0.0.0/8' },
          agent: { 'node-ip': '1.2.3.4' },
        },
      },
    }),
    [
      {
        field: 'k3s.extraArgs.server.token',
        message: 'set by Slipway',
        reason: 'FieldValueForbidden',
      },
      {
        field: 'k3s.extraArgs.server["cluster-cidr"]',
        message: 'set by Slipway: use k3s.clusterCIDR',
        reason: 'FieldValueForbidden',
      },
      {
        field: 'k3s.extraArgs.agent["node-ip"]',
        message: 'set by Slipway',
        reason: 'FieldValueForbidden',
      },
    ],
  );
});

test('labels a kubelet may not set on itself are refused', () => {
  assert.deepEqual(fields({ k3s: { nodeLabels: { 'node-role.kubernetes.io/worker': 'true' } } }), [
    'k3s.nodeLabels["node-role.kubernetes.io/worker"]',
  ]);
  assert.deepEqual(fields({ k3s: { workers: { nodeLabels: { 'example.k8s.io/x': 'y' } } } }), [
    'k3s.workers.nodeLabels["example.k8s.io/x"]',
  ]);
  assert.deepEqual(
    fields({
      k3s: {
        nodeLabels: {
          'node.kubernetes.io/role': 'worker',
          'kubelet.kubernetes.io/x': 'y',
          'topology.kubernetes.io/zone': 'z',
          'example.org/kubernetes.io': 'fine',
        },
      },
    }),
    [],
  );
});

test('extra files may not replace what Slipway writes, repeat a path or carry bad base64', () => {
  assert.deepEqual(
    fields({
      files: [
        { path: '/etc/rancher/k3s/config.yaml', content: 'x' },
        { path: '/var/lib/rancher/k3s/server/tls/server-ca.crt', content: 'x' },
        { path: '/etc/a', content: 'x' },
        { path: '/etc/a', content: 'not base64!', encoding: 'b64' },
        { path: '/var/lib/rancher/k3s/server/manifests/kube-vip.yaml', content: 'x' },
      ],
    }),
    ['files[0].path', 'files[1].path', 'files[3].path', 'files[3].content', 'files[4].path'],
  );
  assert.deepEqual(
    fields({ files: [{ path: '/etc/rancher/k3s/config.yaml.d/10-extra.yaml', content: 'x' }] }),
    [],
  );
});

test('errors never repeat the values: file contents and commands may hold secrets', () => {
  const secret = 'sup3r-s3cret-t0ken';
  const err = (() => {
    try {
      readK3sValues({
        files: [{ path: `relative-${secret}`, content: secret, permissions: secret }],
        preCommands: [7],
        k3s: { extraArgs: { server: { token: secret } }, nodeLabels: { a: secret + '!' } },
      });
    } catch (error: unknown) {
      return error;
    }
    return undefined;
  })();
  assert.ok(err instanceof BootstrapError);
  assert.equal(err.reason, 'InvalidValues');
  assert.ok(err.causes.length >= 4);
  assert.ok(!err.message.includes(secret), err.message);
  assert.ok(!JSON.stringify(err.causes).includes(secret));
});
