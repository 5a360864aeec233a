// The kubeconfig subresource of a ClusterDeployment: the admin kubeconfig as YAML from
// the cluster's own Secret, a clear refusal while it is not there, authorization by
// subresource, and no such subresource on other kinds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiVersion, type AnyResource } from '../api/index.ts';
import { AdminGroup } from './authn.ts';
import type { RequestAttributes } from './authz.ts';
import {
  assertStatus,
  base,
  clusterDeployment,
  pick,
  startTestServer,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;
const kubeconfigYaml = 'apiVersion: v1\nkind: Config\nclusters:\n  - name: demo\n';

function kubeconfigSecret(name: string, owner: AnyResource | undefined, value = kubeconfigYaml) {
  return {
    apiVersion: ApiVersion,
    kind: 'Secret',
    metadata: {
      name,
      namespace: 'default',
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: ApiVersion,
                kind: 'ClusterDeployment',
                name: owner.metadata.name,
                uid: owner.metadata.uid ?? '',
                controller: true,
              },
            ],
          }
        : {}),
    },
    type: 'slipway.dev/kubeconfig',
    data: { value: Buffer.from(value).toString('base64') },
  };
}

describe('kubeconfig subresource', () => {
  let s: TestServer;
  const seen: RequestAttributes[] = [];
  before(async () => {
    s = await startTestServer({
      authorize: (user, attrs) => {
        seen.push(attrs);
        return Promise.resolve({ allowed: user.groups.includes(AdminGroup) });
      },
    });
  });
  after(() => s.close());

  async function createCluster(name: string, kubeconfigSecretName?: string): Promise<AnyResource> {
    const created = await s.store.create(clusterDeployment(name));
    if (kubeconfigSecretName === undefined) return created;
    return s.store.updateStatus({ ...created, status: { kubeconfigSecret: kubeconfigSecretName } });
  }

  it('returns the admin kubeconfig as YAML from the Secret the status names', async () => {
    const cluster = await createCluster('ready', 'ready-kubeconfig');
    await s.store.create(kubeconfigSecret('ready-kubeconfig', cluster));
    seen.length = 0;
    const res = await s.call('GET', `${cds}/ready/kubeconfig`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/yaml/);
    assert.equal(res.body, kubeconfigYaml);
    assert.deepEqual(seen, [
      {
        resourceRequest: true,
        verb: 'get',
        apiGroup: 'slipway.dev',
        resource: 'clusterdeployments',
        subresource: 'kubeconfig',
        namespace: 'default',
        name: 'ready',
      },
    ]);
  });

  it('answers 404 when the cluster does not exist', async () => {
    const status = assertStatus(await s.call('GET', `${cds}/ghost/kubeconfig`), 404, 'NotFound');
    assert.equal(pick(status, 'details.name'), 'ghost');
  });

  it('answers 409 while the kubeconfig is not there yet', async () => {
    const notReady =
      'the kubeconfig of clusterdeployment/new is not ready yet: its cluster secrets are being generated';
    await createCluster('new');
    const unset = assertStatus(await s.call('GET', `${cds}/new/kubeconfig`), 409, 'Conflict');
    assert.equal(pick(unset, 'message'), notReady);
    assert.equal(pick(unset, 'details.kind'), 'ClusterDeployment');

    const cluster = await s.store.get('ClusterDeployment', 'default', 'new');
    await s.store.updateStatus({ ...cluster, status: { kubeconfigSecret: 'new-kubeconfig' } });
    const missing = assertStatus(await s.call('GET', `${cds}/new/kubeconfig`), 409, 'Conflict');
    assert.equal(pick(missing, 'message'), notReady);
  });

  it('refuses a Secret the cluster does not own', async () => {
    await createCluster('pointed', 'someone-elses');
    await s.store.create(kubeconfigSecret('someone-elses', undefined));
    const status = assertStatus(await s.call('GET', `${cds}/pointed/kubeconfig`), 409, 'Conflict');
    assert.match(
      String(pick(status, 'message')),
      /secret "someone-elses" is not a kubeconfig this cluster owns/,
    );
  });

  it('serves only GET, and only on ClusterDeployments', async () => {
    const url = `${cds}/ready/kubeconfig`;
    assertStatus(await s.call('PUT', url, clusterDeployment('ready')), 405, 'MethodNotAllowed');
    assertStatus(
      await s.call('PATCH', url, { spec: {} }, { 'content-type': 'application/merge-patch+json' }),
      405,
      'MethodNotAllowed',
    );
    assertStatus(await s.call('DELETE', url), 405, 'MethodNotAllowed');
    assertStatus(await s.call('GET', `${url}?watch=true`), 405, 'MethodNotAllowed');
    for (const other of [
      `${cds}/ready/logs`,
      `${base}/namespaces/default/machines/ready/kubeconfig`,
      `${base}/namespaces/default/secrets/ready-kubeconfig/kubeconfig`,
    ]) {
      assertStatus(await s.call('GET', other), 404, 'NotFound');
    }
  });

  it('lets an authorizer decide on the subresource apart from the cluster', async () => {
    const membersOnly = await startTestServer({
      authorize: (_user, attrs) =>
        Promise.resolve(
          attrs.resourceRequest && attrs.subresource === 'kubeconfig'
            ? { allowed: false, reason: 'viewers may not download kubeconfigs' }
            : { allowed: true },
        ),
    });
    try {
      await membersOnly.store.create(clusterDeployment('c'));
      assert.equal((await membersOnly.call('GET', `${cds}/c`)).statusCode, 200);
      const denied = assertStatus(
        await membersOnly.call('GET', `${cds}/c/kubeconfig`),
        403,
        'Forbidden',
      );
      assert.match(
        String(pick(denied, 'message')),
        /cannot get resource "clusterdeployments\/kubeconfig".*viewers may not download kubeconfigs/,
      );
    } finally {
      await membersOnly.close();
    }
  });
});
