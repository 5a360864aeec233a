// End to end on sim, with the controllers wired as src/control-plane.ts wires them: a
// project's usage follows its clusters, and its maxClusterLifetime deletes a cluster
// when it runs out (with ExpiringSoon and Expired events), after which the usage drops.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import type { Event } from '../api/kinds/event.ts';
import type { Project } from '../api/kinds/project.ts';
import { ApiVersion } from '../api/meta.ts';
import { getIfExists } from './objects.ts';
import {
  cluster,
  credential,
  eventually,
  startTestEnvironment,
  template,
  type TestEnvironment,
} from './test-environment.ts';

let env: TestEnvironment;

before(async () => {
  env = await startTestEnvironment();
});
after(async () => {
  await env?.close();
});

describe('projects and lifetimes on sim', () => {
  it('usage follows the clusters; an expired cluster is deleted and stops counting', async () => {
    const ns = 'course';
    await env.store.create<Project>({
      apiVersion: ApiVersion,
      kind: 'Project',
      metadata: { name: ns },
      spec: { maxClusterLifetime: '3s', quota: { machines: 4 } },
    });
    await env.store.create(template(ns, 't1'));
    await env.store.create(credential(ns, 'sim'));
    // Events go with their cluster (owner references): collect them as they come.
    const seen: string[] = [];
    const watch = await env.store.watch<Event>({ kind: 'Event', namespace: ns });
    const collecting = (async () => {
      for await (const event of watch) {
        if (event.type === 'ADDED' && event.object.involvedObject.kind === 'ClusterDeployment') {
          seen.push(event.object.reason);
        }
      }
    })();
    await env.store.create(cluster(ns, 'demo'));

    const project = () => env.store.get<Project>('Project', undefined, ns);
    await eventually('usage of one cluster', async () => {
      const usage = (await project()).status?.usage;
      return usage?.clusters === 1 && usage.machines === 2 ? usage : undefined;
    });
    const cd = await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'demo');
    const created = Date.parse(cd.metadata.creationTimestamp ?? '');
    await eventually('expiresAt set', async () => {
      const at = (await env.store.get<ClusterDeployment>('ClusterDeployment', ns, 'demo')).status
        ?.expiresAt;
      return at === new Date(created + 3_000).toISOString() ? at : undefined;
    });

    await eventually(
      'the cluster deleted',
      async () =>
        (await getIfExists(env.store, 'ClusterDeployment', ns, 'demo')) ? undefined : true,
      15_000,
    );
    await eventually('the Expired event', () =>
      Promise.resolve(seen.includes('Expired') ? true : undefined),
    );
    watch.close();
    await collecting;
    // A 3 s lifetime is within the hour from the start: the 1 h warning, once.
    assert.equal(seen.filter((r) => r === 'ExpiringSoon').length, 1, seen.join(', '));
    assert.ok(seen.indexOf('ExpiringSoon') < seen.indexOf('Expired'), seen.join(', '));
    await eventually('usage back to nothing', async () => {
      const usage = (await project()).status?.usage;
      return usage?.clusters === 0 && usage.machines === 0 ? usage : undefined;
    });
    assert.equal(env.hypervisor.listVMs({ namespace: ns }).length, 0, 'no VM left');
  });
});
