import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterDeployment } from '../api/kinds/cluster-deployment.ts';
import { ApiVersion } from '../api/meta.ts';
import { createEndpointResolver } from './endpoint.ts';

const cluster: ClusterDeployment = {
  apiVersion: ApiVersion,
  kind: 'ClusterDeployment',
  metadata: { name: 'demo', namespace: 'team-a' },
  spec: { template: 't', credential: 'c' },
};

test('sim answers its child API; real providers the VIP, else the first control plane', () => {
  const resolve = createEndpointResolver({
    sim: (c) => ({ host: '127.0.0.1', port: 7443, pathPrefix: `/${c.metadata.name}` }),
  });
  assert.deepEqual(resolve('sim', cluster, { vip: '10.0.0.5' }), {
    host: '127.0.0.1',
    port: 7443,
    pathPrefix: '/demo',
  });
  assert.deepEqual(
    resolve('proxmox', cluster, { vip: '10.0.0.5', firstControlPlaneAddress: '10.0.0.21' }),
    {
      host: '10.0.0.5',
      port: 6443,
    },
  );
  assert.deepEqual(resolve('proxmox', cluster, { firstControlPlaneAddress: '10.0.0.21' }), {
    host: '10.0.0.21',
    port: 6443,
  });
  assert.equal(resolve('proxmox', cluster, {}), undefined);
  assert.equal(createEndpointResolver()('sim', cluster, {}), undefined);
});
