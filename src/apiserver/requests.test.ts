// The request envelope: authentication, body formats, malformed input, size limits,
// content types, dry run, and the Status shape of every failure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertStatus,
  base,
  clusterDeployment,
  pick,
  startTestServer,
  testToken,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;

describe('authentication', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('answers 401 Status without a token, with a wrong token and with a malformed header', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${testToken}x`,
      `Basic ${testToken}`,
      'Bearer',
    ]) {
      const headers = authorization === undefined ? {} : { authorization };
      const res = await s.app.inject({ method: 'GET', url: cds, headers });
      assertStatus(res, 401, 'Unauthorized');
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    }
  });

  it('checks credentials before reading the body, and on unknown paths too', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: cds,
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    assertStatus(res, 401, 'Unauthorized');
    assertStatus(await s.app.inject({ method: 'GET', url: '/no/such/path' }), 401, 'Unauthorized');
    assertStatus(await s.app.inject({ method: 'GET', url: '/apis' }), 401, 'Unauthorized');
    assertStatus(await s.app.inject({ method: 'GET', url: '/openapi/v3' }), 401, 'Unauthorized');
    await assertEmpty(s);
  });

  it('serves health and version without credentials', async () => {
    for (const url of ['/healthz', '/livez', '/readyz', '/version']) {
      assert.equal((await s.app.inject({ method: 'GET', url })).statusCode, 200, url);
    }
  });

  it('denies callers the authorizer refuses with 403', async () => {
    const denying = await startTestServer({
      authorize: () => Promise.resolve({ allowed: false, reason: 'not today' }),
    });
    try {
      const status = assertStatus(await denying.call('GET', `${cds}/alpha`), 403, 'Forbidden');
      assert.match(
        String(pick(status, 'message')),
        /cannot get resource "clusterdeployments".*namespace "default".*not today/,
      );
    } finally {
      await denying.close();
    }
  });
});

async function assertEmpty(s: TestServer): Promise<void> {
  const list = await s.call('GET', `${base}/clusterdeployments`);
  assert.deepEqual(pick(list.json<unknown>(), 'items'), []);
}

describe('request bodies', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ bodyLimitBytes: 64 * 1024 });
  });
  after(() => s.close());

  it('answers 400 naming line and column for malformed JSON', async () => {
    const body = '{\n  "metadata": {"name": "a"},\n  "spec": {"template": "t",, }\n}';
    const status = assertStatus(
      await s.call('POST', cds, body, { 'content-type': 'application/json' }),
      400,
      'BadRequest',
    );
    assert.match(String(pick(status, 'message')), /invalid JSON at line 3, column 28/);
    const truncated = assertStatus(
      await s.call('POST', cds, '{"metadata": {', { 'content-type': 'application/json' }),
      400,
      'BadRequest',
    );
    assert.match(String(pick(truncated, 'message')), /line 1, column 15/);
    await assertEmpty(s);
  });

  it('answers 400 naming line and column for malformed YAML', async () => {
    const body = 'metadata:\n  name: a\nspec:\n  template: [unclosed\n  credential: x\n';
    const status = assertStatus(
      await s.call('POST', cds, body, { 'content-type': 'application/yaml' }),
      400,
      'BadRequest',
    );
    assert.match(String(pick(status, 'message')), /invalid YAML at line \d+, column \d+/);
    const tabs = assertStatus(
      await s.call('POST', cds, 'metadata:\n\tname: a\n', { 'content-type': 'application/yaml' }),
      400,
      'BadRequest',
    );
    assert.match(String(pick(tabs, 'message')), /line 2, column 1/);
    const twoDocs = assertStatus(
      await s.call('POST', cds, 'metadata: {name: a}\n---\nmetadata: {name: b}\n', {
        'content-type': 'application/yaml',
      }),
      400,
      'BadRequest',
    );
    assert.match(String(pick(twoDocs, 'message')), /multiple documents/);
    await assertEmpty(s);
  });

  it('accepts YAML by Content-Type and by sniffing when there is none', async () => {
    const yaml =
      'apiVersion: slipway.dev/v1alpha1\nkind: ClusterDeployment\nmetadata:\n  name: from-yaml\nspec:\n  template: t\n  credential: c\n';
    assert.equal(
      (await s.call('POST', cds, yaml, { 'content-type': 'application/yaml' })).statusCode,
      201,
    );
    const sniffed = await s.app.inject({
      method: 'POST',
      url: cds,
      payload: yaml.replace('from-yaml', 'sniffed'),
      headers: { authorization: `Bearer ${testToken}` },
    });
    assert.equal(sniffed.statusCode, 201);
    const asText = await s.call('POST', cds, JSON.stringify(clusterDeployment('as-text')), {
      'content-type': 'text/plain',
    });
    assert.equal(asText.statusCode, 201);
    const items = pick((await s.call('GET', cds)).json<unknown>(), 'items') as unknown[];
    assert.deepEqual(items.map((i) => pick(i, 'metadata.name')).sort(), [
      'as-text',
      'from-yaml',
      'sniffed',
    ]);
    for (const name of ['as-text', 'from-yaml', 'sniffed'])
      await s.call('DELETE', `${cds}/${name}`);
  });

  it('answers 415 for bodies in other formats', async () => {
    const status = assertStatus(
      await s.call('POST', cds, '<xml/>', { 'content-type': 'application/xml' }),
      415,
      'UnsupportedMediaType',
    );
    assert.match(String(pick(status, 'message')), /application\/json, application\/yaml/);
    assertStatus(
      await s.call('PUT', `${cds}/x`, '{}', { 'content-type': 'application/merge-patch+json' }),
      415,
      'UnsupportedMediaType',
    );
    await assertEmpty(s);
  });

  it('answers 413 for bodies over the limit, before parsing them', async () => {
    const big = clusterDeployment('big');
    big.metadata.annotations = { filler: 'x'.repeat(70 * 1024) };
    const status = assertStatus(await s.call('POST', cds, big), 413, 'RequestEntityTooLarge');
    assert.match(String(pick(status, 'message')), /limit 65536 bytes/);
    await assertEmpty(s);
  });

  it('rejects empty bodies, lists and scalars with 400', async () => {
    assertStatus(
      await s.call('POST', cds, '', { 'content-type': 'application/json' }),
      400,
      'BadRequest',
    );
    assertStatus(
      await s.call('POST', cds, '[]', { 'content-type': 'application/json' }),
      400,
      'BadRequest',
    );
    assertStatus(
      await s.call('POST', cds, '"text"', { 'content-type': 'application/json' }),
      400,
      'BadRequest',
    );
    assertStatus(
      await s.call('POST', cds, '{"metadata": {"__proto__": {"x": 1}}}', {
        'content-type': 'application/json',
      }),
      400,
      'BadRequest',
    );
    await assertEmpty(s);
  });

  it('answers unknown routes and resources with a 404 Status naming them', async () => {
    const plural = assertStatus(await s.call('GET', `${base}/widgets`), 404, 'NotFound');
    assert.match(String(pick(plural, 'message')), /"widgets"/);
    const route = assertStatus(await s.call('GET', '/apis/other.group/v1/things'), 404, 'NotFound');
    assert.match(String(pick(route, 'message')), /\/apis\/other\.group\/v1\/things/);
    assertStatus(await s.call('GET', `${cds}/missing`), 404, 'NotFound');
    assertStatus(await s.call('GET', `${cds}/x/scale`), 404, 'NotFound');
  });

  it('answers 400 for query parameters it cannot understand', async () => {
    assertStatus(await s.call('GET', `${cds}?limit=ten`), 400, 'BadRequest');
    assertStatus(await s.call('GET', `${cds}?watch=maybe`), 400, 'BadRequest');
    assertStatus(
      await s.call('POST', `${cds}?dryRun=Some`, clusterDeployment('q')),
      400,
      'BadRequest',
    );
    assertStatus(
      await s.call('GET', `${cds}?labelSelector=${encodeURIComponent('a in (b')}`),
      400,
      'BadRequest',
    );
    await assertEmpty(s);
  });
});
