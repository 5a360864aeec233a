import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ClusterDeployment } from '../../api/index.ts';
import { startClusterFakeApi, type ClusterFakeApi } from '../cluster-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';

let api: ClusterFakeApi;
let dir: string;

const kubeconfig = (name: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n  - name: ${name}\n    cluster:\n      server: https://127.0.0.1:6443/${name}\n`;

/** A cluster whose status names its kubeconfig Secret, and that Secret (owned by it, unless not). */
function saveClusterWithKubeconfig(namespace: string, name: string, owned = true): void {
  const uid = `uid-${namespace}-${name}`;
  const cluster: ClusterDeployment = {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name, namespace, uid },
    spec: { template: 't', credential: 'c' },
    status: { phase: 'Ready', kubeconfigSecret: `${name}-kubeconfig` },
  };
  api.save('clusterdeployments', cluster);
  api.save('secrets', {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Secret',
    metadata: {
      name: `${name}-kubeconfig`,
      namespace,
      ...(owned
        ? {
            ownerReferences: [
              {
                apiVersion: 'slipway.dev/v1alpha1',
                kind: 'ClusterDeployment',
                name,
                uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    type: 'slipway.dev/kubeconfig',
    data: { value: Buffer.from(kubeconfig(name)).toString('base64') },
  });
}

const secretReads = () =>
  api.requests.filter((r) => r.method === 'GET' && r.path.includes('/secrets/')).length;

before(async () => {
  api = await startClusterFakeApi();
  dir = await mkdtemp(join(tmpdir(), 'slipway-kubeconfig-'));
  saveClusterWithKubeconfig('default', 'demo');
  saveClusterWithKubeconfig('team-a', 'prod');
});
after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

test('kubeconfig prints what the subresource answers, without reading the Secret', async () => {
  api.kubeconfigSubresource = true;
  const secrets = secretReads();
  const run = await slipway(api, ['kubeconfig', 'prod', '-n', 'team-a']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, kubeconfig('prod'));
  assert.equal(secretReads(), secrets);
});

test('on a server without the subresource (404), the Secret in the status is read', async () => {
  api.kubeconfigSubresource = false;
  const run = await slipway(api, ['kubeconfig', 'demo']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, kubeconfig('demo'));
  assert.ok(
    api.requests.some(
      (r) => r.path === '/apis/slipway.dev/v1alpha1/namespaces/default/secrets/demo-kubeconfig',
    ),
  );
});

test('the fallback refuses a Secret the cluster does not own', async () => {
  api.kubeconfigSubresource = false;
  saveClusterWithKubeconfig('default', 'foreign', false);
  const run = await slipway(api, ['kubeconfig', 'foreign']);
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    'error: secret "foreign-kubeconfig" is not a kubeconfig clusterdeployment/foreign owns\n',
  );
  assert.equal(run.stdout, '');
});

test('no kubeconfig yet, and no such cluster', async () => {
  api.kubeconfigSubresource = false;
  api.save('clusterdeployments', {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: 'young', namespace: 'default' },
    spec: { template: 't', credential: 'c' },
    status: { phase: 'Provisioning' },
  });
  const young = await slipway(api, ['kubeconfig', 'young']);
  assert.equal(young.code, 1);
  assert.equal(
    young.stderr,
    'error: clusterdeployment/young has no kubeconfig yet: it is written once the control plane endpoint is known (phase Provisioning)\n',
  );
  for (const subresource of [true, false]) {
    api.kubeconfigSubresource = subresource;
    const ghost = await slipway(api, ['kubeconfig', 'ghost']);
    assert.equal(ghost.code, 1);
    assert.equal(
      ghost.stderr,
      'Error from server (NotFound): clusterdeployments "ghost" not found\n',
    );
  }
});

test('-o FILE writes the kubeconfig readable by its owner only, replacing a world-readable one', async () => {
  api.kubeconfigSubresource = true;
  const path = join(dir, 'sub', 'demo.yaml');
  const run = await slipway(api, ['kubeconfig', 'demo', '-o', path]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `kubeconfig of clusterdeployment/demo written to ${path}\n`);
  assert.equal(await readFile(path, 'utf8'), kubeconfig('demo'));
  assert.equal((await stat(path)).mode & 0o777, 0o600);

  const existing = join(dir, 'existing.yaml');
  await writeFile(existing, 'old, world-readable\n', { mode: 0o644 });
  api.kubeconfigSubresource = false;
  const replaced = await slipway(api, ['kubeconfig', 'prod', '-n', 'team-a', '-o', existing]);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal(await readFile(existing, 'utf8'), kubeconfig('prod'));
  assert.equal((await stat(existing)).mode & 0o777, 0o600);
});
