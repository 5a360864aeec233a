import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support.ts';
import { isApiPath } from './dashboard.ts';

const indexHtml =
  '<!doctype html><title>Slipway</title><script type="module" src="/assets/app-1.js"></script>';

/** A stand-in for Vite's output: index.html and one hashed asset. */
async function fakeBuild(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-dashboard-dist-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), indexHtml);
  await writeFile(join(root, 'assets', 'app-1.js'), 'console.log("app")');
  return root;
}

describe('dashboard routes with a build', () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    root = await fakeBuild();
    server = await startTestServer({ dashboard: { root } });
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  test('/ answers index.html without authentication, with a content security policy', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, indexHtml);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  test('hashed assets are public and cached for good', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/assets/app-1.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'console.log("app")');
    assert.match(String(res.headers['cache-control']), /immutable/);
  });

  test("the dashboard's own paths answer index.html, so a reload works", async () => {
    for (const url of [
      '/projects/team-a/clusters',
      '/projects/team-a/clusters/x?tab=1',
      '/login',
    ]) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, indexHtml, url);
    }
    const head = await server.app.inject({ method: 'HEAD', url: '/projects/team-a/clusters' });
    assert.equal(head.statusCode, 200);
  });

  test('API paths keep their authentication and their 404 Status', async () => {
    for (const url of ['/apis/nothing/here', '/api/v1/nothing', '/auth/nothing', '/metrics/x']) {
      const anonymous = await server.app.inject({ method: 'GET', url });
      assert.equal(anonymous.statusCode, 401, url);
      const admin = await server.call('GET', url);
      assert.equal(admin.statusCode, 404, url);
      assert.equal(admin.json<{ kind: string }>().kind, 'Status', url);
    }
  });

  test('a missing asset and a write to a page path are not answered with the app', async () => {
    const asset = await server.call('GET', '/assets/app-0.js');
    assert.equal(asset.statusCode, 404);
    const post = await server.call('POST', '/projects/team-a/clusters', {});
    assert.equal(post.statusCode, 404);
    assert.equal(post.json<{ kind: string }>().kind, 'Status');
  });
});

describe('dashboard routes without a build', () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-dashboard-none-'));
    server = await startTestServer({ dashboard: { root } });
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  test('a browser gets a 503 page saying how to build the dashboard', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    assert.equal(res.statusCode, 503);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /npm run build:web/);
  });

  test('other clients get a 503 Status with the same advice', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/projects/x/clusters' });
    assert.equal(res.statusCode, 503);
    const status = res.json<{ kind: string; reason: string; message: string }>();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'ServiceUnavailable');
    assert.match(status.message, /npm run build:web/);
  });

  test('the API is unaffected', async () => {
    const res = await server.call(
      'GET',
      '/apis/slipway.dev/v1alpha1/namespaces/default/clusterdeployments',
    );
    assert.equal(res.statusCode, 200);
  });
});

test('API prefixes match whole path segments only', () => {
  assert.equal(isApiPath('/apis'), true);
  assert.equal(isApiPath('/apis/slipway.dev/v1alpha1'), true);
  assert.equal(isApiPath('/api'), true);
  assert.equal(isApiPath('/healthz'), true);
  assert.equal(isApiPath('/apiary'), false);
  assert.equal(isApiPath('/authors'), false);
  assert.equal(isApiPath('/projects/x/clusters'), false);
  assert.equal(isApiPath('/'), false);
});
