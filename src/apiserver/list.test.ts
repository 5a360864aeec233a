// Lists: label and field selectors, paging with limit/continue, the List envelope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { base, clusterDeployment, pick, startTestServer, type TestServer } from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;

function names(list: unknown): string[] {
  const items = pick(list, 'items');
  assert.ok(Array.isArray(items));
  return items.map((i) => String(pick(i, 'metadata.name'))).sort();
}

describe('lists', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const labels: Record<string, Record<string, string>> = {
      web1: { app: 'web', env: 'prod' },
      web2: { app: 'web', env: 'dev' },
      db1: { app: 'db', env: 'prod', tier: 'data' },
      bare: {},
    };
    for (const [name, l] of Object.entries(labels)) {
      const obj = clusterDeployment(name);
      obj.metadata.labels = l;
      assert.equal((await s.call('POST', cds, obj)).statusCode, 201);
    }
    await s.call(
      'POST',
      `${base}/namespaces/staging/clusterdeployments`,
      clusterDeployment('web1', 'staging'),
    );
  });
  after(() => s.close());

  const select = async (query: string) => {
    const res = await s.call('GET', `${cds}?${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return names(res.json<unknown>());
  };

  it('filters by label selector', async () => {
    assert.deepEqual(await select('labelSelector=app%3Dweb'), ['web1', 'web2']);
    assert.deepEqual(await select('labelSelector=app%3Dweb,env!%3Ddev'), ['web1']);
    assert.deepEqual(await select(`labelSelector=${encodeURIComponent('env in (prod,qa)')}`), [
      'db1',
      'web1',
    ]);
    assert.deepEqual(await select(`labelSelector=${encodeURIComponent('env notin (prod)')}`), [
      'bare',
      'web2',
    ]);
    assert.deepEqual(await select('labelSelector=tier'), ['db1']);
    assert.deepEqual(await select(`labelSelector=${encodeURIComponent('!app')}`), ['bare']);
  });

  it('filters by field selector, also across namespaces', async () => {
    assert.deepEqual(await select('fieldSelector=metadata.name%3Dweb2'), ['web2']);
    assert.deepEqual(await select('fieldSelector=metadata.name!%3Dweb2'), ['bare', 'db1', 'web1']);
    const all = await s.call(
      'GET',
      `${base}/clusterdeployments?fieldSelector=metadata.namespace%3Dstaging`,
    );
    assert.deepEqual(names(all.json<unknown>()), ['web1']);
    const bad = await s.call('GET', `${cds}?fieldSelector=spec.template%3Dx`);
    assert.equal(bad.statusCode, 400);
  });

  it('pages with limit and continue without losing or repeating items', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = `limit=3${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const res = await s.call('GET', `${base}/clusterdeployments?${query}`);
      assert.equal(res.statusCode, 200);
      const list = res.json<unknown>();
      const page = names(list);
      assert.ok(page.length <= 3);
      const items = pick(list, 'items') as unknown[];
      seen.push(
        ...items.map(
          (i) => `${String(pick(i, 'metadata.namespace'))}/${String(pick(i, 'metadata.name'))}`,
        ),
      );
      const next = pick(list, 'metadata.continue');
      token = typeof next === 'string' && next !== '' ? next : undefined;
      pages++;
    } while (token !== undefined && pages < 10);
    assert.equal(pages, 2);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5, 'no item is repeated');
    const bad = await s.call('GET', `${cds}?limit=1&continue=garbage`);
    assert.ok(bad.statusCode === 400 || bad.statusCode === 410, `got ${bad.statusCode}`);
    assert.equal(pick(bad.json<unknown>(), 'kind'), 'Status');
  });

  it('omits continue on the last page', async () => {
    const list = (await s.call('GET', `${cds}?limit=100`)).json<unknown>();
    assert.equal(pick(list, 'metadata.continue'), undefined);
    assert.equal(names(list).length, 4);
  });
});
