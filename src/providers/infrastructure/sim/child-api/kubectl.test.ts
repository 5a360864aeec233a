// The real kubectl against the simulated API: the issue's "kubectl --kubeconfig <file>
// get nodes works". Needs kubectl on PATH (Debian package kubernetes-client) or in
// $KUBECTL; fails, never skips, when it is missing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  startTestEnvironment,
  type TestCluster,
  type TestEnvironment,
} from './test-environment.ts';

const run = promisify(execFile);
const kubectlBinary = process.env['KUBECTL'] ?? 'kubectl';

describe('kubectl against a simulated cluster', () => {
  let env: TestEnvironment;
  let cluster: TestCluster;
  let kubeconfigPath: string;
  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(kubectlBinary, ['--kubeconfig', kubeconfigPath, ...args], {
      timeout: 60_000,
    });
    return stdout;
  };

  before(async () => {
    try {
      await run(kubectlBinary, ['version', '--client'], { timeout: 30_000 });
    } catch (err: unknown) {
      const code = (err as { code?: unknown }).code;
      throw new Error(
        code === 'ENOENT'
          ? `kubectl is not installed: install the Debian package kubernetes-client (apt-get install kubernetes-client) or set KUBECTL`
          : `kubectl does not run: ${String(err)}`,
        { cause: err },
      );
    }
    env = await startTestEnvironment();
    cluster = await env.addCluster('default', 'demo', { workers: 2 });
    kubeconfigPath = join(env.dataDir, 'demo.kubeconfig');
    await writeFile(kubeconfigPath, cluster.kubeconfig, { mode: 0o600 });
  });
  after(() => env?.close());

  test('kubectl get nodes lists the nodes as Ready with their roles', async () => {
    const output = await kubectl('get', 'nodes');
    const lines = output.trim().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    assert.match(output, /demo-cp-1\s+Ready\s+control-plane,etcd,master\s+\S+\s+v1\.31\.4\+k3s1/);
    assert.match(output, /demo-worker-1\s+Ready\s+<none>/);
    assert.equal(lines.length, 4);
    const json = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')) as { items: unknown[] };
    assert.equal(json.items.length, 3);
  });

  test('kubectl version, get pods and namespaces', async () => {
    assert.match(await kubectl('version'), /Server Version: .*v1\.31\.4\+k3s1/);
    const pods = await kubectl('get', 'pods', '-A', '-o', 'wide');
    assert.match(pods, /kube-system\s+svclb-traefik-\S+\s+1\/1\s+Running/);
    assert.match(await kubectl('get', 'namespaces'), /kube-system\s+Active/);
  });

  test('kubectl cordon and drain', async () => {
    assert.match(await kubectl('cordon', 'demo-worker-2'), /cordoned/);
    assert.match(await kubectl('get', 'nodes', 'demo-worker-2'), /Ready,SchedulingDisabled/);
    await kubectl('drain', 'demo-worker-2', '--ignore-daemonsets', '--timeout=30s');
    const left = env.registry.listPodsOnNode(cluster.id, 'demo-worker-2');
    assert.ok(left.length > 0);
    assert.ok(left.every((pod) => pod.metadata.ownerReferences?.[0]?.kind === 'DaemonSet'));
  });
});
