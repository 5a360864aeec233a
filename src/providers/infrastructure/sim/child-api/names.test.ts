import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clusterIdFromServerName,
  parseSimClusterId,
  simClusterId,
  simPathPrefix,
  simTlsServerName,
} from './names.ts';

test('a cluster is addressed by path prefix and TLS server name', () => {
  assert.equal(simPathPrefix('team-a', 'demo'), '/clusters/team-a/demo');
  assert.equal(simTlsServerName('team-a', 'demo'), 'demo.team-a.sim.slipway.internal');
  assert.equal(simClusterId('team-a', 'demo'), 'team-a/demo');
});

test('server names map back to cluster ids, dotted names included', () => {
  assert.equal(clusterIdFromServerName('demo.team-a.sim.slipway.internal'), 'team-a/demo');
  assert.equal(clusterIdFromServerName('db.v2.team-a.sim.slipway.internal'), 'team-a/db.v2');
  assert.equal(clusterIdFromServerName('DEMO.Team-A.sim.slipway.internal'), 'team-a/demo');
  assert.equal(clusterIdFromServerName('team-a.sim.slipway.internal'), undefined);
  assert.equal(clusterIdFromServerName('example.com'), undefined);
});

test('cluster ids parse as namespace/name', () => {
  assert.deepEqual(parseSimClusterId('ns/name'), { namespace: 'ns', name: 'name' });
  assert.equal(parseSimClusterId('no-slash'), undefined);
  assert.equal(parseSimClusterId('a/b/c'), undefined);
});
