import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyRoleReads, isUserPath, roleAllows } from './policy.ts';

describe('policy', () => {
  it('lets every user reach login, discovery, version and OpenAPI, not metrics or the audit API', () => {
    for (const path of [
      '/auth/whoami',
      '/auth/logout',
      '/apis',
      '/apis/slipway.dev',
      '/apis/slipway.dev/v1alpha1',
      '/version',
      '/openapi/v3',
      '/openapi/v3/apis/slipway.dev/v1alpha1',
      '/apis/slipway.dev/v1alpha1/users/ann/password',
    ])
      assert.ok(isUserPath(path), path);
    for (const path of [
      '/metrics',
      '/apis/audit.slipway.dev/v1alpha1/auditevents',
      '/apis/slipway.dev/v1alpha1/users/ann/password/x',
      '/authx',
    ])
      assert.ok(!isUserPath(path), path);
  });

  it('gives Secrets to no role and cluster writes only to members and owners', () => {
    assert.ok(!anyRoleReads('Secret'));
    assert.ok(anyRoleReads('Machine'));
    assert.ok(roleAllows('member', 'ClusterDeployment', 'delete'));
    assert.ok(roleAllows('owner', 'ClusterDeployment', 'create'));
    assert.ok(!roleAllows('viewer', 'ClusterDeployment', 'patch'));
    assert.ok(!roleAllows('owner', 'Machine', 'delete'));
  });
});
