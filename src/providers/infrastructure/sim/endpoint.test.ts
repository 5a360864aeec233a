import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serverUrlOf, simClusterIdFromServerUrl, simEndpointFor } from './endpoint.ts';

describe('sim cluster endpoints', () => {
  test('one listener, a path prefix and a TLS name per cluster', () => {
    const endpoint = simEndpointFor('team-a', 'demo', 'https://127.0.0.1:7443');
    assert.deepEqual(endpoint, {
      host: '127.0.0.1',
      port: 7443,
      pathPrefix: '/clusters/team-a/demo',
      tlsServerName: 'demo.team-a.sim.slipway.internal',
    });
    assert.equal(serverUrlOf(endpoint), 'https://127.0.0.1:7443/clusters/team-a/demo');
    assert.equal(
      serverUrlOf(simEndpointFor('a', 'b', 'https://[::1]:9443/base/')),
      'https://[::1]:9443/base/clusters/a/b',
    );
    assert.throws(() => simEndpointFor('a', 'b', 'http://127.0.0.1:80'), /must be https/);
  });

  test('the cluster id comes back from the server URL', () => {
    const url = serverUrlOf(simEndpointFor('team-a', 'demo', 'https://127.0.0.1:7443'));
    assert.equal(simClusterIdFromServerUrl(url), 'team-a/demo');
    assert.equal(simClusterIdFromServerUrl(`${url}/`), 'team-a/demo');
    assert.equal(
      simClusterIdFromServerUrl('https://demo.team-a.sim.slipway.internal:7443'),
      'team-a/demo',
    );
    assert.equal(simClusterIdFromServerUrl('https://10.0.0.10:6443'), undefined);
    assert.equal(
      simClusterIdFromServerUrl('https://web.v2.lab.sim.slipway.internal'),
      'lab/web.v2',
    );
    assert.equal(simClusterIdFromServerUrl('https://lab.sim.slipway.internal'), undefined);
    assert.equal(
      simClusterIdFromServerUrl(serverUrlOf(simEndpointFor('lab', 'web.v2', 'https://h:1'))),
      'lab/web.v2',
    );
    assert.equal(simClusterIdFromServerUrl('not a url'), undefined);
  });
});
